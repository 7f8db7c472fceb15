// An append-only journal of typed records, power-loss safe: [u32 length][u8 type][payload][u32 CRC-32
// of type+payload], each append written whole and fsync'd. At open every intact record is replayed.
// A bad tail (the last write, cut by a power loss) is dropped; a bad record followed by good ones is
// damage: the good ones are still replayed, the file is rewritten without the bad bytes (the original
// kept as `<name>.damaged`), and `damage` says where. Compaction rewrites atomically (temp, fsync,
// rename, fsync dir). All file access goes through the Storage port, so tests inject disk faults.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Storage } from '../../hal/ports/storage.js';
import { nodeStorage } from '../../hal/node/storage.js';
import { lastRecord, nextRecord, recordAt, Window } from './journal-read.js';

export interface JournalRecord {
  type: number;
  payload: Uint8Array;
}

/** Where a journal was damaged: the first bad byte and how many bytes were skipped in all. */
export interface JournalDamage {
  file: string;
  offset: number;
  skippedBytes: number;
}

export class CrcJournal {
  private fd: number;
  private bytes = 0;
  private torn = 0;
  private damaged: JournalDamage | null = null;
  /** Set while the replay is deferred (see the constructor): what to replay, and the file's size at open. */
  private deferred: { apply: (record: JournalRecord) => boolean; size: number } | null = null;
  /** True after a failed append could not be undone; appends are refused until recover() succeeds. */
  failed = false;

  /**
   * Open (creating dir 0700 and file 0600) and replay: `apply` sees each intact record in order
   * and returns false for one it does not recognise (treated like a bad record). The payload it
   * sees is a view, valid only during the call.
   *
   * With `resume`, a file whose last record is intact up to its very end (no torn tail) is not
   * replayed now: `resume` sees that last record and says whether it tells the caller enough to
   * append meanwhile (e.g. the next sequence number). Records may then be appended at once; the
   * rest is replayed by `replay()`, which the caller runs before it reads what the file holds.
   */
  constructor(
    private readonly dir: string,
    private readonly name: string,
    apply: (record: JournalRecord) => boolean,
    private readonly maxRecord = 64 * 1024 * 1024,
    private readonly fs: Storage = nodeStorage,
    resume?: (last: JournalRecord) => boolean,
  ) {
    fs.mkdirSync(dir, 0o700);
    const path = join(dir, name);
    this.fd = fs.openSync(path, 'a+', 0o600);
    const size = fs.sizeOf(path);
    const last = resume && size > 0 ? lastRecord(new Window(fs, this.fd, size), this.maxRecord) : null;
    if (last && resume!(last)) {
      this.deferred = { apply, size };
      this.bytes = size;
      return;
    }
    this.scan(apply, size);
  }

  /** Bytes cut from the tail at open: a write torn by power loss. */
  get tornBytes(): number {
    return this.torn;
  }

  /** Set when a bad record was followed by good ones (not a torn tail): the file was damaged. */
  get damage(): JournalDamage | null {
    return this.damaged;
  }

  /** True until a deferred replay has run. */
  get replayPending(): boolean {
    return this.deferred !== null;
  }

  /** Run the replay the constructor deferred (nothing if it did not). */
  replay(): void {
    const deferred = this.deferred;
    if (!deferred) return;
    this.deferred = null;
    try {
      this.scan(deferred.apply, deferred.size);
    } catch (error) {
      this.deferred = deferred; // a read or repair failed: the file is as it was, replayed again next time
      throw error;
    }
  }

  /**
   * Give up a deferred replay whose records cannot be read: they are reported as damage (all of
   * them skipped). The caller then rewrites the journal with what it still holds.
   */
  abandonReplay(): void {
    const deferred = this.deferred;
    if (!deferred) return;
    this.deferred = null;
    this.damaged = { file: this.name, offset: 0, skippedBytes: deferred.size };
  }

  /**
   * Replay the first `end` bytes (the file as found at open) as a stream through a window: a year
   * of records never has to fit in memory at once. Records appended since (a deferred replay) stay.
   */
  private scan(apply: (record: JournalRecord) => boolean, end: number): void {
    const file = new Window(this.fs, this.fd, this.bytes > end ? this.bytes : end);
    const appended: [number, number][] = this.bytes > end ? [[end, this.bytes - end]] : [];
    const good: [number, number][] = []; // offsets and lengths of the intact records
    let pos = 0;
    let firstBad = -1;
    let skipped = 0;
    while (pos < end) {
      const length = recordAt(file, pos, this.maxRecord, end);
      const body = length > 0 ? file.bytes(pos + 4, length) : null;
      if (body && apply({ type: body[0]!, payload: body.subarray(1) })) {
        good.push([pos, 8 + length]);
        pos += 8 + length;
        continue;
      }
      // A bad record: resynchronise on the next intact one, if any follows.
      const next = nextRecord(file, pos + 1, this.maxRecord, end);
      if (next < 0) break;
      if (firstBad < 0) firstBad = pos;
      skipped += next - pos;
      pos = next;
    }
    this.torn = end - pos;
    try {
      if (firstBad >= 0 || (this.torn > 0 && appended.length > 0)) {
        this.damaged = { file: this.name, offset: firstBad >= 0 ? firstBad : pos, skippedBytes: skipped + (firstBad >= 0 ? 0 : this.torn) };
        // Keep what was found for the owner (and forensics), then go on with the good records only.
        writeAtomic(this.dir, `${this.name}.damaged`, file.ranges([[0, file.size]]), this.fs);
        this.rewriteFrames(file.ranges([...good, ...appended]));
      } else if (this.torn > 0) {
        this.fs.ftruncateSync(this.fd, pos);
        this.fs.fsyncSync(this.fd);
      }
    } catch {
      // No room to repair (a full card) or the card fails: the file stays as found, its good records
      // count, later records go after it, and the damage is found (and repaired) again at the next open.
      this.bytes = file.size;
      return;
    }
    this.bytes = [...good, ...appended].reduce((n, [, len]) => n + len, 0);
  }

  /** Size of the file in bytes. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Append one record and fsync it: the whole record, or nothing. A short write is continued; a
   * failed write or fsync truncates the file back to its last good length (and fsyncs that) before
   * throwing, so a fragment never sits in front of later records. If even that fails the journal
   * is `failed`: it refuses appends until `recover()` manages to cut the fragment off.
   */
  append(type: number, payload: Uint8Array): void {
    if (this.failed) this.recover();
    const rec = frame(type, payload);
    try {
      writeFully(this.fs, this.fd, rec); // O_APPEND: at the end, which is this.bytes
      this.fs.fsyncSync(this.fd);
    } catch (error) {
      this.cutBack();
      throw error;
    }
    this.bytes += rec.length;
  }

  /** Take back the records appended after the file was `size` bytes (a mirrored append half done). Throws EIO. */
  truncateTo(size: number): void {
    if (size > this.bytes) return;
    const was = this.bytes;
    this.bytes = size;
    try {
      this.recover();
    } catch (error) {
      this.bytes = was;
      throw error;
    }
  }

  /** Cut the file back to its last good length and make that durable; throws while it cannot. */
  recover(): void {
    this.fs.ftruncateSync(this.fd, this.bytes);
    this.fs.fsyncSync(this.fd);
    this.failed = false;
  }

  /** Replace the whole journal with `records`, atomically. */
  rewrite(records: Iterable<JournalRecord>): void {
    this.rewriteFrames([...records].map((r) => frame(r.type, r.payload)));
  }

  /**
   * The records in the file now, read again from it a window at a time (after open it holds intact
   * records only). Each payload is a view, valid until the next record is asked for: copy what you keep.
   */
  *records(): Generator<JournalRecord> {
    this.replay();
    const file = new Window(this.fs, this.fd, this.bytes);
    for (let pos = 0; pos < file.size; ) {
      const length = recordAt(file, pos, this.maxRecord);
      const body = length > 0 ? file.bytes(pos + 4, length) : null;
      if (!body) return;
      yield { type: body[0]!, payload: body.subarray(1) };
      pos += 8 + length;
    }
  }

  close(): void {
    this.fs.closeSync(this.fd);
  }

  private rewriteFrames(frames: Iterable<Uint8Array>): void {
    let bytes = 0;
    const counted = (function* () {
      for (const f of frames) {
        bytes += f.length;
        yield f;
      }
    })();
    writeAtomic(this.dir, this.name, counted, this.fs);
    this.fs.closeSync(this.fd);
    this.fd = this.fs.openSync(join(this.dir, this.name), 'a+', 0o600);
    this.bytes = bytes;
    this.failed = false;
  }

  private cutBack(): void {
    try {
      this.recover();
    } catch {
      this.failed = true;
    }
  }
}

/** Replace `dir/name` whole or not at all: temp file (0600), fsync, rename, fsync the directory. */
export function writeAtomic(dir: string, name: string, chunks: Iterable<Uint8Array>, fs: Storage = nodeStorage): void {
  const path = join(dir, name);
  const temp = `${path}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    for (const chunk of chunks) writeFully(fs, fd, chunk);
    fs.fsyncSync(fd);
  } catch (error) {
    // Give back the space the half-written copy took (a full card), then report the failure.
    try {
      fs.ftruncateSync(fd, 0);
    } catch {
      // nothing more to give back
    }
    fs.closeSync(fd);
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, path);
  fsyncDir(dir, fs);
}

/** Write all of `bytes`, continuing after short writes; a write that makes no progress is an error. */
export function writeFully(fs: Storage, fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error('short write: no progress'), { code: 'EIO' });
    done += n;
  }
}

/** Make a directory's entries (a rename, a new file) durable. */
export function fsyncDir(dir: string, fs: Storage = nodeStorage): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function frame(type: number, payload: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from([type]), payload]);
  const rec = Buffer.alloc(8 + body.length);
  rec.writeUInt32BE(body.length, 0);
  body.copy(rec, 4);
  rec.writeUInt32BE(crc32(body), 4 + body.length);
  return rec;
}
