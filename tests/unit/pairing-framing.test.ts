// Serial framing for pairing: COBS + CRC-32 frames survive any chunking and any junk around them;
// damaged, oversize and junk frames are dropped and counted, never delivered, never thrown.
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, encodeFrame, FrameDecoder, MAX_PAYLOAD } from '../../firmware/pairing/framing.js';

const collect = () => {
  const got: Uint8Array[] = [];
  const decoder = new FrameDecoder((p) => got.push(p));
  return { got, decoder };
};

describe('COBS', () => {
  it.each([
    ['empty', []],
    ['a zero', [0]],
    ['zeros', [0, 0, 0]],
    ['254 non-zero bytes', Array.from({ length: 254 }, (_, i) => (i % 255) + 1)],
    ['255 non-zero bytes', Array.from({ length: 255 }, (_, i) => (i % 255) + 1)],
    ['mixed', [1, 0, 2, 3, 0, 0, 4]],
  ])('round-trips %s with no zero byte on the wire', (_name, bytes) => {
    const data = Uint8Array.from(bytes as number[]);
    const encoded = cobsEncode(data);
    expect(encoded.includes(0)).toBe(false);
    expect([...cobsDecode(encoded)!]).toEqual([...data]);
  });

  it('refuses what is not COBS', () => {
    expect(cobsDecode(Uint8Array.from([5, 1, 2]))).toBeNull(); // the code runs past the end
    expect(cobsDecode(Uint8Array.from([3, 1, 0]))).toBeNull(); // a zero inside a block
  });
});

describe('frame decoder', () => {
  it('finds frames through junk and any chunking', () => {
    const { got, decoder } = collect();
    const a = Uint8Array.from([1, 2, 3]);
    const b = new Uint8Array(1000).fill(0);
    const stream = Uint8Array.from([0x41, 0x42, 0x00, ...encodeFrame(a), 0x00, 0x00, ...encodeFrame(b), 9, 9, 9]);
    for (const byte of stream) decoder.push(Uint8Array.of(byte));
    expect(got.map((p) => p.length)).toEqual([3, 1000]);
    expect(decoder.counters).toMatchObject({ frames: 2, badCobs: 1, empty: 2 }); // "AB" is not COBS (0x41 runs past the end)
  });

  it('drops a frame whose CRC does not match, and an oversize flood without delimiters', () => {
    const { got, decoder } = collect();
    const frame = encodeFrame(Uint8Array.from([7, 7, 7, 7]));
    frame[2]! ^= 0x10;
    decoder.push(frame);
    decoder.push(new Uint8Array(100_000).fill(0x55));
    decoder.push(Uint8Array.of(0));
    decoder.push(encodeFrame(Uint8Array.of(1)));
    expect(got).toEqual([Uint8Array.of(1)]);
    expect(decoder.counters).toMatchObject({ frames: 1, badCrc: 1, oversize: 1 });
    expect(() => encodeFrame(new Uint8Array(MAX_PAYLOAD + 1))).toThrow(RangeError);
  });

  it('drops and counts a frame over the payload limit that still fits the receive buffer (zeros cost COBS nothing)', () => {
    const { got, decoder } = collect();
    const payload = new Uint8Array(MAX_PAYLOAD + 8); // all zeros: COBS adds one byte per zero run, not per 254
    const body = new Uint8Array(payload.length + 4);
    body.set(payload);
    new DataView(body.buffer).setUint32(payload.length, crc32(payload));
    decoder.push(Uint8Array.from([...cobsEncode(body), 0]));
    expect(got).toEqual([]);
    expect(decoder.counters).toMatchObject({ frames: 0, oversize: 1 });
  });

  it('counts an unfinished frame dropped after silence as abandoned', () => {
    const { got, decoder } = collect();
    decoder.push(encodeFrame(Uint8Array.of(1, 2, 3)).subarray(0, 4));
    expect(decoder.partial).toBe(4);
    decoder.discardPartial();
    decoder.discardPartial(); // nothing more to drop
    expect(decoder.partial).toBe(0);
    expect(decoder.counters).toMatchObject({ abandoned: 1, frames: 0 });
    expect(got).toEqual([]);
  });

  it('property: over 100,000 valid, junk and mutated frames, only the valid ones come out, in order', () => {
    const segment = fc.oneof(
      fc.record({ kind: fc.constant('valid' as const), payload: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({ kind: fc.constant('junk' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 80 }) }),
      fc.record({ kind: fc.constant('mutated' as const), payload: fc.uint8Array({ minLength: 1, maxLength: 300 }), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    );
    let total = 0;
    fc.assert(
      fc.property(fc.array(segment, { minLength: 40, maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (segments, chunk) => {
        const { got, decoder } = collect();
        const expected: Uint8Array[] = [];
        const parts: number[] = [];
        for (const s of segments) {
          if (s.kind === 'valid') {
            expected.push(s.payload);
            parts.push(...encodeFrame(s.payload));
          } else if (s.kind === 'junk') {
            parts.push(...s.bytes, 0);
          } else {
            const frame = encodeFrame(s.payload);
            const at = s.at % (frame.length - 1); // never the delimiter itself
            frame[at]! ^= 1 << s.bit;
            parts.push(...frame, 0); // an extra delimiter keeps the damage to this frame
          }
        }
        total += segments.length;
        const stream = Uint8Array.from(parts);
        for (let i = 0; i < stream.length; i += chunk) decoder.push(stream.subarray(i, i + chunk));
        expect(got).toEqual(expected);
        expect(decoder.counters.frames).toBe(expected.length);
      }),
      { numRuns: 2200, seed: 11 },
    );
    expect(total).toBeGreaterThan(100_000);
  }, 120_000);
});
