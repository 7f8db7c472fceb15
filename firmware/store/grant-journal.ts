// The grants pushed to the lock, on disk: a CRC journal of put and remove records, replayed at open
// into the live set, and compacted (atomic rewrite) when dead records outweigh live ones. A grant
// is on stable storage before the lock acknowledges it or says `grant-stored {ok: true}`. Only the
// live keys and their record sizes stay in memory: the bytes are the access core's to hold (once);
// `all()` and a compaction read them back from the file.
import type { Storage } from '../../hal/ports/storage.js';
import { CrcJournal, type JournalDamage, type JournalRecord } from './journal.js';

const PUT = 1;
const REMOVE = 2;
const MAX_RECORD = 256 * 1024;
const COMPACT_MIN_BYTES = 256 * 1024;

export class GrantJournal {
  /** Live grant keys and the size of their put record. */
  private readonly live = new Map<string, number>();
  private liveBytes = 0;
  private readonly journal: CrcJournal;

  constructor(dir: string, storage?: Storage) {
    this.journal = new CrcJournal(dir, 'grants', (r) => this.apply(r), MAX_RECORD, storage);
  }

  /** Set when the grants file was damaged at open. */
  get damage(): JournalDamage | null {
    return this.journal.damage;
  }

  /** The live grants, read from the file. */
  all(): Map<string, Uint8Array[]> {
    const chains = new Map<string, Uint8Array[]>();
    for (const { key, put } of this.replay()) {
      if (put) chains.set(key, decodePut(put)!.chain);
      else chains.delete(key);
    }
    return chains;
  }

  put(key: string, chain: Uint8Array[]): void {
    const payload = encodePut(key, chain);
    this.journal.append(PUT, payload);
    this.set(key, payload.length);
    this.maybeCompact();
  }

  remove(key: string): void {
    if (!this.live.has(key)) return;
    this.journal.append(REMOVE, encodeKey(key));
    this.delete(key);
    this.maybeCompact();
  }

  close(): void {
    this.journal.close();
  }

  private set(key: string, size: number): void {
    this.delete(key);
    this.live.set(key, size);
    this.liveBytes += size + 8;
  }

  private delete(key: string): void {
    const size = this.live.get(key);
    if (size === undefined) return;
    this.live.delete(key);
    this.liveBytes -= size + 8;
  }

  /** Each record of the file as a key and its put payload (null for a remove; a view, valid until the next). */
  private *replay(): Generator<{ key: string; put: Buffer | null }> {
    for (const { type, payload } of this.journal.records()) {
      const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
      // Every record here passed `apply` at open or was appended by `put`/`remove`: well formed.
      const key = type === PUT ? body.subarray(1, 1 + body[0]!).toString('utf8') : decodeKey(body);
      if (key !== null) yield { key, put: type === PUT ? body : null };
    }
  }

  /** Rewrite when the file is more than twice what the live grants need: their last put records, read back from the file. */
  private maybeCompact(): void {
    if (this.journal.size < COMPACT_MIN_BYTES || this.journal.size < 2 * this.liveBytes) return;
    const puts = new Map<string, Buffer>();
    for (const { key, put } of this.replay()) {
      puts.delete(key);
      if (put) puts.set(key, Buffer.from(put));
    }
    this.journal.rewrite([...puts.values()].map((payload) => ({ type: PUT, payload })));
  }

  private apply({ type, payload }: JournalRecord): boolean {
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (type === PUT) {
      const decoded = decodePut(body, false);
      if (!decoded) return false;
      this.set(decoded.key, body.length);
      return true;
    }
    if (type === REMOVE) {
      const key = decodeKey(body);
      if (key === null) return false;
      this.delete(key);
      return true;
    }
    return false;
  }
}

/** [u8 key length][key, UTF-8] */
function encodeKey(key: string): Buffer {
  const k = Buffer.from(key, 'utf8');
  if (k.length > 255) throw new RangeError('grant key over 255 bytes');
  return Buffer.concat([Buffer.from([k.length]), k]);
}

function decodeKey(body: Buffer): string | null {
  if (body.length < 1 || body.length !== 1 + body[0]!) return null;
  return body.subarray(1).toString('utf8');
}

/** key, then [u8 links] and each link as [u32 length][bytes]. */
function encodePut(key: string, chain: Uint8Array[]): Buffer {
  const parts: Buffer[] = [encodeKey(key), Buffer.from([chain.length])];
  for (const link of chain) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(link.length);
    parts.push(len, Buffer.from(link));
  }
  return Buffer.concat(parts);
}

/** With `copy` false the links are views of `body` (checking a record, nothing kept). */
function decodePut(body: Buffer, copy = true): { key: string; chain: Uint8Array[] } | null {
  if (body.length < 2) return null;
  const keyLen = body[0]!;
  let pos = 1 + keyLen;
  if (pos + 1 > body.length) return null;
  const key = body.subarray(1, pos).toString('utf8');
  const count = body[pos++]!;
  const chain: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 4 > body.length) return null;
    const len = body.readUInt32BE(pos);
    pos += 4;
    if (pos + len > body.length) return null;
    chain.push(copy ? new Uint8Array(body.subarray(pos, pos + len)) : body.subarray(pos, pos + len));
    pos += len;
  }
  return pos === body.length ? { key, chain } : null;
}
