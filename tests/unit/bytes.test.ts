// sameBytes: the byte-string equality of the decision path (challenges, keys, ids, cached grants).
import { describe, expect, it } from 'vitest';
import { sameBytes } from '../../firmware/util/bytes.js';

describe('sameBytes', () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

  it('is true for the same bytes in other arrays, views at any offset included', () => {
    expect(sameBytes(bytes, Uint8Array.from(bytes))).toBe(true);
    const larger = new Uint8Array(40);
    larger.set(bytes, 5);
    expect(sameBytes(larger.subarray(5, 37), bytes)).toBe(true);
    expect(sameBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('is false when any one byte differs: the first, a middle one, the last, one bit', () => {
    for (const at of [0, 13, 31]) {
      for (const bit of [0x01, 0x80]) {
        const other = Uint8Array.from(bytes);
        other[at]! ^= bit;
        expect(sameBytes(bytes, other), `byte ${at} bit ${bit}`).toBe(false);
        expect(sameBytes(other, bytes), `byte ${at} bit ${bit}`).toBe(false);
      }
    }
  });

  it('is false for a prefix or an extension (lengths differ)', () => {
    expect(sameBytes(bytes, bytes.subarray(0, 31))).toBe(false);
    expect(sameBytes(bytes.subarray(0, 31), bytes)).toBe(false);
    expect(sameBytes(bytes, Uint8Array.from([...bytes, 0]))).toBe(false);
    expect(sameBytes(new Uint8Array(0), bytes)).toBe(false);
  });
});
