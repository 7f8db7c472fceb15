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
  /** Bytes cut from the tail at open: a write torn by power loss. */
  readonly tornBytes: number;
  /** Set when a bad record was followed by good ones (not a torn tail): the file was damaged. */
  readonly damage: JournalDamage | null = null;
  /** True after a failed append could not be undone; appends are refused until recover() succeeds. */
  failed = false;

  /**
   * Open (creating dir 0700 and file 0600) and replay: `apply` sees each intact record in order
   * and returns false for one it does not recognise (treated like a bad record).
   */
  constructor(
    private readonly dir: string,
    private readonly name: string,
    apply: (record: JournalRecord) => boolean,
    private readonly maxRecord = 64 * 1024 * 1024,
    private readonly fs: Storage = nodeStorage,
  ) {
    fs.mkdirSync(dir, 0o700);
    const path = join(dir, name);
    this.fd = fs.openSync(path, 'a+', 0o600);
    const data = fs.readFileSync(path);
    const good: Buffer[] = [];
    let pos = 0;
    let firstBad = -1;
    let skipped = 0;
    while (pos < data.length) {
      const length = recordAt(data, pos, this.maxRecord);
      const body = length > 0 ? data.subarray(pos + 4, pos + 4 + length) : null;
      if (body && apply({ type: body[0]!, payload: body.subarray(1) })) {
        good.push(data.subarray(pos, pos + 8 + length));
        pos += 8 + length;
        continue;
      }
      // A bad record: resynchronise on the next intact one, if any follows.
      const next = nextRecord(data, pos + 1, this.maxRecord);
      if (next < 0) break;
      if (firstBad < 0) firstBad = pos;
      skipped += next - pos;
      pos = next;
    }
    this.tornBytes = data.length - pos;
    if (firstBad >= 0) {
      this.damage = { file: name, offset: firstBad, skippedBytes: skipped };
      // Keep what was found for the owner (and forensics), then go on with the good records only.
      writeAtomic(dir, `${name}.damaged`, [data], fs);
      this.rewriteFrames(good);
    } else if (this.tornBytes > 0) {
      fs.ftruncateSync(this.fd, pos);
      fs.fsyncSync(this.fd);
    }
    this.bytes = good.reduce((n, f) => n + f.length, 0);
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

  close(): void {
    this.fs.closeSync(this.fd);
  }

  private rewriteFrames(frames: Uint8Array[]): void {
    writeAtomic(this.dir, this.name, frames, this.fs);
    this.fs.closeSync(this.fd);
    this.fd = this.fs.openSync(join(this.dir, this.name), 'a+', 0o600);
    this.bytes = frames.reduce((n, f) => n + f.length, 0);
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

/** The body length of an intact record at `pos` (CRC checked), or 0. */
function recordAt(data: Buffer, pos: number, maxRecord: number): number {
  if (pos + 8 > data.length) return 0;
  const length = data.readUInt32BE(pos);
  if (length < 1 || length > maxRecord || pos + 8 + length > data.length) return 0;
  return crc32(data.subarray(pos + 4, pos + 4 + length)) === data.readUInt32BE(pos + 4 + length) ? length : 0;
}

/** The offset of the next intact record at or after `from`, or -1. */
function nextRecord(data: Buffer, from: number, maxRecord: number): number {
  for (let p = from; p + 8 <= data.length; p++) if (recordAt(data, p, maxRecord) > 0) return p;
  return -1;
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
function writeFully(fs: Storage, fd: number, bytes: Uint8Array): void {
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
