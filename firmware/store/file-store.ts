// AccessStore on disk, power-loss safe. A state directory (0700) holds:
//   journal      append-only records [u32 length][u8 type][payload][u32 CRC-32], fsync'd per append;
//                replayed at open, a torn or corrupt tail cut off and counted;
//   <name>.cose  snapshots written atomically: temp file, fsync, rename, fsync the directory.
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type AccessStore, type SnapshotName, STATE_NAMES, type StateName, StoreError } from './store.js';

const RECORD_USE = 1;
const RECORD_TIME = 2;
const RECORD_STATE = 3;
const TIME_PERSIST_STEP_MS = 60_000;

export class FileStore implements AccessStore {
  private readonly uses = new Map<string, number>();
  private readonly states = new Map<StateName, Uint8Array>();
  private floor = 0;
  private persistedFloor = 0;
  private readonly fd: number;
  /** Bytes cut from the journal's tail at open (a write torn by power loss). */
  readonly tornBytes: number;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'journal');
    this.fd = openSync(path, 'a+', 0o600);
    const data = readFileSync(path);
    const good = this.replay(data);
    this.tornBytes = data.length - good;
    if (this.tornBytes > 0) {
      ftruncateSync(this.fd, good);
      fsyncSync(this.fd);
    }
    this.persistedFloor = this.floor;
  }

  usesOf(cti: Uint8Array): number {
    return this.uses.get(Buffer.from(cti).toString('hex')) ?? 0;
  }

  commitUse(cti: Uint8Array, max: number): boolean {
    const id = Buffer.from(cti).toString('hex');
    const used = this.uses.get(id) ?? 0;
    if (used >= max) return false;
    const payload = Buffer.alloc(20);
    Buffer.from(cti).copy(payload, 0, 0, 16);
    payload.writeUInt32BE(used + 1, 16);
    this.append(RECORD_USE, payload);
    this.uses.set(id, used + 1);
    if (this.floor > this.persistedFloor) this.persistFloor();
    return true;
  }

  timeFloor(): number {
    return this.floor;
  }

  raiseTimeFloor(ms: number): void {
    if (ms <= this.floor) return;
    this.floor = ms;
    if (this.floor - this.persistedFloor >= TIME_PERSIST_STEP_MS) this.persistFloor();
  }

  loadSnapshot(name: SnapshotName): Uint8Array | null {
    try {
      return new Uint8Array(readFileSync(join(this.dir, `${name}.cose`)));
    } catch {
      return null;
    }
  }

  saveSnapshot(name: SnapshotName, bytes: Uint8Array): void {
    const path = join(this.dir, `${name}.cose`);
    const temp = `${path}.tmp`;
    try {
      const fd = openSync(temp, 'w', 0o600);
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
      const dirFd = openSync(this.dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch (error) {
      throw new StoreError(`cannot save ${name} snapshot`, { cause: error });
    }
  }

  getState(name: StateName): Uint8Array | null {
    return this.states.get(name) ?? null;
  }

  putState(name: StateName, bytes: Uint8Array): void {
    if (bytes.length > 32) throw new StoreError(`state ${name} is over 32 bytes`);
    this.append(RECORD_STATE, Buffer.concat([Buffer.from([STATE_NAMES.indexOf(name)]), Buffer.from(bytes)]));
    this.states.set(name, Uint8Array.from(bytes));
  }

  close(): void {
    if (this.floor > this.persistedFloor) this.persistFloor();
    closeSync(this.fd);
  }

  private persistFloor(): void {
    const payload = Buffer.alloc(8);
    payload.writeBigUInt64BE(BigInt(Math.floor(this.floor)));
    this.append(RECORD_TIME, payload);
    this.persistedFloor = this.floor;
  }

  private append(type: number, payload: Buffer): void {
    const body = Buffer.concat([Buffer.from([type]), payload]);
    const record = Buffer.alloc(4 + body.length + 4);
    record.writeUInt32BE(body.length, 0);
    body.copy(record, 4);
    record.writeUInt32BE(crc32(body), 4 + body.length);
    try {
      writeSync(this.fd, record);
      fsyncSync(this.fd);
    } catch (error) {
      throw new StoreError('cannot append to the journal', { cause: error });
    }
  }

  /** Apply every intact record; returns the length of the intact prefix. */
  private replay(data: Buffer): number {
    let pos = 0;
    while (pos + 8 <= data.length) {
      const length = data.readUInt32BE(pos);
      if (length < 1 || length > 64 || pos + 8 + length > data.length) break;
      const body = data.subarray(pos + 4, pos + 4 + length);
      if (crc32(body) !== data.readUInt32BE(pos + 4 + length)) break;
      const type = body[0];
      if (type === RECORD_USE && length === 21) {
        const id = body.subarray(1, 17).toString('hex');
        this.uses.set(id, Math.max(this.uses.get(id) ?? 0, body.readUInt32BE(17)));
      } else if (type === RECORD_TIME && length === 9) {
        this.floor = Math.max(this.floor, Number(body.readBigUInt64BE(1)));
      } else if (type === RECORD_STATE && length >= 2 && STATE_NAMES[body[1]!]) {
        this.states.set(STATE_NAMES[body[1]!]!, Uint8Array.from(body.subarray(2)));
      } else {
        break;
      }
      pos += 8 + length;
    }
    return pos;
  }
}
