// The grants pushed to the lock, on disk: a CRC journal of put and remove records, replayed at open
// into the live set, and compacted (atomic rewrite) when dead records outweigh live ones. A grant
// is on stable storage before the lock acknowledges it or says `grant-stored {ok: true}`.
import type { Storage } from '../../hal/ports/storage.js';
import { CrcJournal, type JournalDamage, type JournalRecord } from './journal.js';

const PUT = 1;
const REMOVE = 2;
const MAX_RECORD = 256 * 1024;
const COMPACT_MIN_BYTES = 256 * 1024;

export class GrantJournal {
  private readonly live = new Map<string, Uint8Array[]>();
  private liveBytes = 0;
  private readonly journal: CrcJournal;

  constructor(dir: string, storage?: Storage) {
    this.journal = new CrcJournal(dir, 'grants', (r) => this.apply(r), MAX_RECORD, storage);
  }

  /** Set when the grants file was damaged at open. */
  get damage(): JournalDamage | null {
    return this.journal.damage;
  }

  all(): Map<string, Uint8Array[]> {
    return new Map(this.live);
  }

  put(key: string, chain: Uint8Array[]): void {
    const payload = encodePut(key, chain);
    this.journal.append(PUT, payload);
    this.set(key, chain.map((b) => new Uint8Array(b)), payload.length);
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

  private set(key: string, chain: Uint8Array[], size: number): void {
    this.delete(key);
    this.live.set(key, chain);
    this.liveBytes += size + 8;
  }

  private delete(key: string): void {
    const old = this.live.get(key);
    if (!old) return;
    this.live.delete(key);
    this.liveBytes -= encodePut(key, old).length + 8;
  }

  /** Rewrite when the file is more than twice what the live grants need. */
  private maybeCompact(): void {
    if (this.journal.size < COMPACT_MIN_BYTES || this.journal.size < 2 * this.liveBytes) return;
    this.journal.rewrite([...this.live].map(([key, chain]) => ({ type: PUT, payload: encodePut(key, chain) })));
  }

  private apply({ type, payload }: JournalRecord): boolean {
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (type === PUT) {
      const decoded = decodePut(body);
      if (!decoded) return false;
      this.set(decoded.key, decoded.chain, body.length);
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

function decodePut(body: Buffer): { key: string; chain: Uint8Array[] } | null {
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
    chain.push(new Uint8Array(body.subarray(pos, pos + len)));
    pos += len;
  }
  return pos === body.length ? { key, chain } : null;
}
