// An append-only journal of typed records, power-loss safe: [u32 length][u8 type][payload][u32 CRC-32
// of type+payload], each append fsync'd. At open the intact prefix is replayed and a torn or corrupt
// tail is cut off (and counted). Compaction rewrites the file atomically (temp, fsync, rename, fsync dir).
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface JournalRecord {
  type: number;
  payload: Uint8Array;
}

export class CrcJournal {
  private fd: number;
  private bytes = 0;
  /** Bytes cut from the tail at open: a write torn by power loss, or corruption. */
  readonly tornBytes: number;

  /**
   * Open (creating dir 0700 and file 0600) and replay: `apply` sees each intact record in order
   * and returns false for one it does not recognise, which ends the intact prefix there.
   */
  constructor(
    private readonly dir: string,
    private readonly name: string,
    apply: (record: JournalRecord) => boolean,
    private readonly maxRecord = 64 * 1024 * 1024,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, name);
    this.fd = openSync(path, 'a+', 0o600);
    const data = readFileSync(path);
    let pos = 0;
    while (pos + 8 <= data.length) {
      const length = data.readUInt32BE(pos);
      if (length < 1 || length > this.maxRecord || pos + 8 + length > data.length) break;
      const body = data.subarray(pos + 4, pos + 4 + length);
      if (crc32(body) !== data.readUInt32BE(pos + 4 + length)) break;
      if (!apply({ type: body[0]!, payload: body.subarray(1) })) break;
      pos += 8 + length;
    }
    this.tornBytes = data.length - pos;
    if (this.tornBytes > 0) {
      ftruncateSync(this.fd, pos);
      fsyncSync(this.fd);
    }
    this.bytes = pos;
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
      for (let done = 0; done < rec.length; ) {
        const n = writeSync(this.fd, rec, done, rec.length - done); // O_APPEND: at the end, which is this.bytes
        if (n <= 0) throw Object.assign(new Error('short write: no progress'), { code: 'EIO' });
        done += n;
      }
      fsyncSync(this.fd);
    } catch (error) {
      this.cutBack();
      throw error;
    }
    this.bytes += rec.length;
  }

  /** True after a failed append could not be undone; appends are refused until recover() succeeds. */
  failed = false;

  /** Cut the file back to its last good length and make that durable; throws while it cannot. */
  recover(): void {
    ftruncateSync(this.fd, this.bytes);
    fsyncSync(this.fd);
    this.failed = false;
  }

  private cutBack(): void {
    try {
      this.recover();
    } catch {
      this.failed = true;
    }
  }

  /** Replace the whole journal with `records`, atomically. */
  rewrite(records: Iterable<JournalRecord>): void {
    const frames = [...records].map((r) => frame(r.type, r.payload));
    writeAtomic(this.dir, this.name, frames);
    closeSync(this.fd);
    this.fd = openSync(join(this.dir, this.name), 'a+', 0o600);
    this.bytes = frames.reduce((n, f) => n + f.length, 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Replace `dir/name` whole or not at all: temp file (0600), fsync, rename, fsync the directory. */
export function writeAtomic(dir: string, name: string, chunks: Iterable<Uint8Array>): void {
  const path = join(dir, name);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    for (const chunk of chunks) writeFully(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDir(dir);
}

/** Write all of `bytes`, continuing after short writes; a write that makes no progress is an error. */
function writeFully(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error('short write: no progress'), { code: 'EIO' });
    done += n;
  }
}

/** Make a directory's entries (a rename, a new file) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
