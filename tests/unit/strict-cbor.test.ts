// Strict CBOR at the trust boundary (issue 13): a map with a key twice is refused everywhere,
// signed or not, whatever encoding the second key hides behind.
import { describe, expect, it } from 'vitest';
import { scanCbor } from '../../firmware/access/cbor.js';
import { decodeSign1 } from '../../firmware/access/cose.js';
import { encodeDeterministic } from '../../firmware/access/cbor.js';
import { parsePresentation } from '../../firmware/access/messages.js';
import { parseRequest } from '../../firmware/pairing/protocol.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('duplicate map keys', () => {
  it('are refused at any depth, for integer and text keys, also behind a longer encoding', () => {
    expect(scanCbor(bytes(0xa2, 0x01, 0x01, 0x02, 0x02))).toBeNull();
    expect(scanCbor(bytes(0xa2, 0x01, 0x01, 0x01, 0x02))).toBe('duplicate-key');
    expect(scanCbor(bytes(0xa2, 0x01, 0x01, 0x18, 0x01, 0x02))).toBe('duplicate-key'); // 1 and 1 in two bytes
    expect(scanCbor(bytes(0xa2, 0x20, 0x01, 0x38, 0x00, 0x02))).toBe('duplicate-key'); // -1 twice
    expect(scanCbor(bytes(0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02))).toBe('duplicate-key'); // "a" twice
    expect(scanCbor(bytes(0xa2, 0x61, 0x61, 0x01, 0x41, 0x61, 0x02))).toBeNull(); // "a" and h'61' differ
    expect(scanCbor(bytes(0x82, 0xa1, 0x01, 0x01, 0xa1, 0x01, 0x01))).toBeNull(); // the same key in two maps
    expect(scanCbor(bytes(0x81, 0xa1, 0x01, 0xa2, 0x05, 0x01, 0x05, 0x02))).toBe('duplicate-key'); // nested
    // A map with many keys (the scan then keeps them in a set): the twelfth repeats the second.
    const big = (last: number) => bytes(0xac, ...[...Array.from({ length: 11 }, (_, k) => k), last].flatMap((k) => [k, 0xf6]));
    expect(scanCbor(big(11))).toBeNull();
    expect(scanCbor(big(1))).toBe('duplicate-key');
    expect(scanCbor(bytes(0x82, 0xa1, 0x01, 0xf6, ...big(1)))).toBe('duplicate-key'); // after another map
  });

  it('keys other than integers and strings are refused', () => {
    expect(scanCbor(bytes(0xa1, 0x80, 0x01))).toBe('unsupported-item');
    expect(scanCbor(bytes(0xa1, 0xf5, 0x01))).toBe('unsupported-item');
  });

  it('an unprotected header with a key twice makes the message malformed', () => {
    const sign1 = bytes(0xd2, 0x84, 0x40, 0xa2, 0x04, 0x01, 0x04, 0x02, 0x40, 0x40);
    expect(decodeSign1(sign1)).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeSign1(bytes(0xd2, 0x84, 0x40, 0xa1, 0x04, 0x01, 0x40, 0x40)).ok).toBe(true);
  });

  it('a presentation is checked too (unsigned structure)', () => {
    expect(parsePresentation(bytes(0x83, 0x01, 0x81, 0x40, 0xa2, 0x01, 0x01, 0x01, 0x01))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('an installer request on the serial line is checked too: "op" twice is refused', () => {
    const entry = (k: string, v: unknown) => [...encodeDeterministic(k), ...encodeDeterministic(v)];
    const twice = Uint8Array.from([0xa4, ...entry('id', 1), ...entry('v', 1), ...entry('op', 'info'), ...entry('op', 'factory-reset')]);
    expect(parseRequest(twice)).toMatchObject({ ok: false, code: 'malformed', message: expect.stringContaining('duplicate-key') });
  });
});
