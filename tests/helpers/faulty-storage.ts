// A Storage port over the real file system that fails on command, as a full or dying SD card does:
// ENOSPC or EIO on writes, short writes, EIO on fsync, for files whose path matches. It counts every
// write and fsync ("fault points"), so a test can fail the Nth one without sleeping or guessing.
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';

type Op = 'write' | 'fsync';

interface Rule {
  op: Op;
  path: RegExp;
  /** What happens: an error code, or a short write of this many bytes (writes only). */
  fault: { code: 'ENOSPC' | 'EIO' } | { short: number };
  /** Only the nth matching operation from now (1 = the next), or every one while the rule stands. */
  nth: number | 'every';
  seen: number;
}

const fail = (code: string, op: string, path: string) => Object.assign(new Error(`${code}: ${op} ${path} (injected)`), { code });

export class FaultyStorage implements Storage {
  private readonly paths = new Map<number, string>();
  private rules: Rule[] = [];
  /** Writes and fsyncs so far, on any file (the fault points). */
  points = 0;
  /** Faults injected so far. */
  injected = 0;
  private watchers: ((op: Op, path: string) => void)[] = [];

  /** Call `fn` at every write and fsync, before it happens (order tests: what was already shown then?). */
  watch(fn: (op: Op, path: string) => void): this {
    this.watchers.push(fn);
    return this;
  }

  constructor(private readonly base: Storage = nodeStorage) {}

  /** Fail operations on matching files from now on, until `heal()`. */
  failEvery(op: Op, path: RegExp, fault: Rule['fault']): this {
    this.rules.push({ op, path, fault, nth: 'every', seen: 0 });
    return this;
  }

  /** Fail only the nth matching operation from now (1 = the next one); a call an earlier rule already failed does not count here. */
  failNth(op: Op, path: RegExp, nth: number, fault: Rule['fault']): this {
    this.rules.push({ op, path, fault, nth, seen: 0 });
    return this;
  }

  /** Space returns, the card behaves: no more faults. */
  heal(): void {
    this.rules = [];
  }

  private match(op: Op, fd: number): Rule | null {
    const path = this.paths.get(fd) ?? '';
    for (const rule of this.rules) {
      if (rule.op !== op || !rule.path.test(path)) continue;
      rule.seen++;
      if (rule.nth === 'every' || rule.seen === rule.nth) return rule;
    }
    return null;
  }

  openSync(path: string, flags: string, mode?: number): number {
    const fd = this.base.openSync(path, flags, mode);
    this.paths.set(fd, path);
    return fd;
  }
  writeSync(fd: number, bytes: Uint8Array, offset: number, length: number): number {
    this.points++;
    for (const w of this.watchers) w('write', this.paths.get(fd) ?? '');
    const rule = this.match('write', fd);
    if (rule) {
      this.injected++;
      if ('code' in rule.fault) throw fail(rule.fault.code, 'write', this.paths.get(fd) ?? '?');
      // A short write: part of the bytes really land (as on a filling card), then the call returns.
      return this.base.writeSync(fd, bytes, offset, Math.min(length, rule.fault.short));
    }
    return this.base.writeSync(fd, bytes, offset, length);
  }
  fsyncSync(fd: number): void {
    this.points++;
    for (const w of this.watchers) w('fsync', this.paths.get(fd) ?? '');
    const rule = this.match('fsync', fd);
    if (rule && 'code' in rule.fault) {
      this.injected++;
      throw fail(rule.fault.code, 'fsync', this.paths.get(fd) ?? '?');
    }
    this.base.fsyncSync(fd);
  }
  ftruncateSync(fd: number, length: number): void {
    this.base.ftruncateSync(fd, length);
  }
  closeSync(fd: number): void {
    this.paths.delete(fd);
    this.base.closeSync(fd);
  }
  readFileSync(path: string): Buffer {
    return this.base.readFileSync(path);
  }
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    return this.base.readSync(fd, buffer, offset, length, position);
  }
  renameSync(from: string, to: string): void {
    this.base.renameSync(from, to);
  }
  mkdirSync(path: string, mode: number): void {
    this.base.mkdirSync(path, mode);
  }
  sizeOf(path: string): number {
    return this.base.sizeOf(path);
  }
}
