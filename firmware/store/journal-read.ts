// Reading a CRC journal's file (journal.ts): a window over it, a megabyte (or a record) at a time,
// and the checks that find intact records in it, forwards from any offset or backwards from its end.
import { crc32 } from 'node:zlib';
import type { Storage } from '../../hal/ports/storage.js';
import type { JournalRecord } from './journal.js';

/** A read window over an open file: bytes at any offset, read a megabyte (or a record) at a time. */
export class Window {
  private start = 0;
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly fs: Storage,
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** `length` bytes at `pos` (a view, valid until the next call), or null past the end. */
  bytes(pos: number, length: number): Buffer | null {
    if (pos + length > this.size) return null;
    if (pos < this.start || pos + length > this.start + this.buf.length) {
      const want = Math.min(Math.max(length, WINDOW_BYTES), this.size - pos);
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = this.fs.readSync(this.fd, buf, got, want - got, pos + got);
        if (n <= 0) break;
        got += n;
      }
      this.start = pos;
      this.buf = buf.subarray(0, got);
      if (got < length) return null;
    }
    return this.buf.subarray(pos - this.start, pos - this.start + length);
  }

  /** Copies of the given ranges, one at a time (for rewriting without holding the whole file). */
  *ranges(list: Iterable<[number, number]>): Generator<Uint8Array> {
    for (const [pos, length] of list) {
      for (let done = 0; done < length; done += WINDOW_BYTES) {
        const n = Math.min(WINDOW_BYTES, length - done);
        yield Buffer.from(this.bytes(pos + done, n)!);
      }
    }
  }
}

export const WINDOW_BYTES = 1024 * 1024;

/** The body length of an intact record at `pos` that ends by `end` (CRC checked), or 0. */
export function recordAt(file: Window, pos: number, maxRecord: number, end = file.size): number {
  const head = file.bytes(pos, 4);
  if (!head) return 0;
  const length = head.readUInt32BE(0);
  if (length < 1 || length > maxRecord || pos + 8 + length > end) return 0;
  const rec = file.bytes(pos, 8 + length)!;
  return crc32(rec.subarray(4, 4 + length)) === rec.readUInt32BE(4 + length) ? length : 0;
}

/** The offset of the next intact record at or after `from` (ending by `end`), or -1. */
export function nextRecord(file: Window, from: number, maxRecord: number, end = file.size): number {
  for (let p = from; p + 8 <= end; p++) if (recordAt(file, p, maxRecord, end) > 0) return p;
  return -1;
}

/** The intact record that ends exactly at the end of the file (searched back over its last 64 KiB, then 1 MiB), or null. */
export function lastRecord(file: Window, maxRecord: number): JournalRecord | null {
  for (const span of [64 * 1024, WINDOW_BYTES]) {
    const from = Math.max(0, file.size - Math.min(span, maxRecord + 8));
    const found = lastRecordFrom(file, from, maxRecord);
    if (found || from === 0) return found;
  }
  return null;
}

function lastRecordFrom(file: Window, from: number, maxRecord: number): JournalRecord | null {
  const tail = file.bytes(from, file.size - from);
  if (!tail) return null;
  for (let p = tail.length - 9; p >= 0; p--) {
    if (tail.readUInt32BE(p) !== tail.length - p - 8) continue;
    if (recordAt(file, from + p, maxRecord) === 0) continue;
    const body = file.bytes(from + p + 4, tail.length - p - 8)!;
    return { type: body[0]!, payload: new Uint8Array(body.subarray(1)) };
  }
  return null;
}
