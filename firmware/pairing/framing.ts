// Serial framing for installer pairing: each frame is COBS(payload || CRC-32 big-endian) followed
// by a 0x00 delimiter, so a receiver can always find the next frame boundary, whatever junk came
// before. The decoder is a stream: bytes in any chunking; intact frames out; junk, bad CRCs, bad
// COBS and oversize frames dropped and counted. It never throws and its memory is bounded.
import { crc32 } from 'node:zlib';

export const MAX_PAYLOAD = 4096;

/** COBS-encode (Cheshire and Baker 1999): no zero bytes in the output. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (const byte of data) {
    if (byte === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      continue;
    }
    out[o++] = byte;
    if (++code === 0xff) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** COBS-decode; null when the input is not valid COBS. */
export function cobsDecode(data: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(data.length);
  let o = 0;
  let i = 0;
  while (i < data.length) {
    const code = data[i++]!;
    if (code === 0 || i + code - 1 > data.length) return null;
    for (let k = 1; k < code; k++) {
      const byte = data[i++]!;
      if (byte === 0) return null;
      out[o++] = byte;
    }
    if (code < 0xff && i < data.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

/** One frame on the wire: COBS(payload || CRC-32) and the 0x00 delimiter. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`a frame carries at most ${MAX_PAYLOAD} bytes`);
  const body = new Uint8Array(payload.length + 4);
  body.set(payload);
  new DataView(body.buffer).setUint32(payload.length, crc32(payload));
  const encoded = cobsEncode(body);
  const frame = new Uint8Array(encoded.length + 1);
  frame.set(encoded);
  return frame;
}

export interface FrameCounters {
  frames: number;
  badCobs: number;
  badCrc: number;
  oversize: number;
  /** Empty frames (two delimiters in a row, or a lone one): line noise. */
  empty: number;
  /** Unfinished frames dropped after the line went quiet. */
  abandoned: number;
}

export class FrameDecoder {
  readonly counters: FrameCounters = { frames: 0, badCobs: 0, badCrc: 0, oversize: 0, empty: 0, abandoned: 0 };
  /** Encoded bytes of the frame being received; capped, so a flood without delimiters cannot grow it. */
  private buffer = new Uint8Array(cobsLimit());
  private length = 0;
  private overflowing = false;

  constructor(private readonly onFrame: (payload: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte !== 0) {
        if (this.length < this.buffer.length) this.buffer[this.length++] = byte;
        else this.overflowing = true;
        continue;
      }
      this.end();
    }
  }

  /** Bytes of an unfinished frame waiting for its delimiter. */
  get partial(): number {
    return this.length;
  }

  /** Drop an unfinished frame (the sender went silent mid-frame); counted as `abandoned`. */
  discardPartial(): void {
    if (this.length === 0 && !this.overflowing) return;
    this.length = 0;
    this.overflowing = false;
    this.counters.abandoned++;
  }

  private end(): void {
    const length = this.length;
    const overflowing = this.overflowing;
    this.length = 0;
    this.overflowing = false;
    if (overflowing) {
      this.counters.oversize++;
      return;
    }
    if (length === 0) {
      this.counters.empty++;
      return;
    }
    const body = cobsDecode(this.buffer.subarray(0, length));
    if (!body || body.length < 4) {
      this.counters.badCobs++;
      return;
    }
    const payload = body.subarray(0, body.length - 4);
    if (payload.length > MAX_PAYLOAD) {
      this.counters.oversize++;
      return;
    }
    const expected = new DataView(body.buffer, body.byteOffset + payload.length, 4).getUint32(0);
    if (crc32(payload) !== expected) {
      this.counters.badCrc++;
      return;
    }
    this.counters.frames++;
    this.onFrame(Uint8Array.from(payload));
  }
}

/** Longest encoded frame body: the payload limit, its CRC, and COBS overhead. */
function cobsLimit(): number {
  const body = MAX_PAYLOAD + 4;
  return body + Math.ceil(body / 254) + 1;
}
