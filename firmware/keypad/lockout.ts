// A guess budget for one channel (keypad, Home Assistant, barcode): at most `wrongCodeLimit` wrong
// codes within any sliding `windowMs`, else the channel is disabled for `disableMs`, doubling with
// each lockout up to `maxDisableMs`. A right code resets nothing: only time (one level less per
// `forgetMs` without a lockout) or an owner-signed command (`reset`). Persisted on every change.
import type { AccessStore, StateName } from '../store/store.js';

export interface LockoutConfig {
  /** Wrong codes within `windowMs` that disable the channel (2-6). */
  wrongCodeLimit: number;
  /** The sliding window the wrong codes are counted in. */
  windowMs: number;
  disableMs: number;
  maxDisableMs: number;
  /** Quiet time (no lockout) after which the lockout length steps down one doubling. */
  forgetMs: number;
}

export const DEFAULT_LOCKOUT: LockoutConfig = { wrongCodeLimit: 5, windowMs: 3_600_000, disableMs: 60_000, maxDisableMs: 3_600_000, forgetMs: 86_400_000 };

const VERSION = 2;

export class Lockout {
  /** Times (ms, trusted time) of the wrong codes still inside the window, oldest first. */
  private failures: number[] = [];
  private level = 0;
  private until = 0;

  constructor(
    private readonly store: AccessStore,
    readonly config: LockoutConfig = DEFAULT_LOCKOUT,
    private readonly stateName: StateName = 'keypad',
  ) {
    if (config.wrongCodeLimit < 2 || config.wrongCodeLimit > 6) throw new RangeError('wrongCodeLimit must be 2-6');
    this.load(store.getState(stateName));
  }

  /** Wrong codes counted in the current window (as of the last one recorded). */
  get wrongCodes(): number {
    return this.failures.length;
  }

  /** How many lockouts in a row the next one follows (its length is disableMs * 2^level). */
  get lockoutLevel(): number {
    return this.level;
  }

  /** Milliseconds of lockout left at `now` (trusted time), 0 when the channel is usable. */
  remaining(now: number): number {
    return Math.max(0, this.until - now);
  }

  /** Count a wrong code; returns the new lockout's length in ms when this one triggered it. */
  recordWrong(now: number): number | null {
    this.forget(now);
    this.failures = this.failures.filter((t) => t > now - this.config.windowMs);
    this.failures.push(now);
    let lockedFor: number | null = null;
    if (this.failures.length >= this.config.wrongCodeLimit) {
      lockedFor = Math.min(this.config.disableMs * 2 ** this.level, this.config.maxDisableMs);
      this.level = Math.min(this.level + 1, 30);
      this.until = now + lockedFor;
      this.failures = [];
    }
    this.save();
    return lockedFor;
  }

  /** The owner's reset (an owner-signed command): no count, no lockout, no escalation. */
  reset(): void {
    this.failures = [];
    this.level = 0;
    this.until = 0;
    this.save();
  }

  /** Time, and only time, lowers the escalation: one step per `forgetMs` since the last lockout ended. */
  private forget(now: number): void {
    if (this.level === 0 || now < this.until) return;
    const steps = Math.floor((now - this.until) / this.config.forgetMs);
    if (steps <= 0) return;
    this.level = Math.max(0, this.level - steps);
    this.until = now - ((now - this.until) % this.config.forgetMs);
  }

  // [version][level][until: u32 seconds, rounded up][n][n x u32 seconds] (at most 26 bytes)
  private save(): void {
    const bytes = new Uint8Array(7 + 4 * this.failures.length);
    const view = new DataView(bytes.buffer);
    bytes[0] = VERSION;
    bytes[1] = this.level;
    view.setUint32(2, Math.ceil(this.until / 1000));
    bytes[6] = this.failures.length;
    this.failures.forEach((t, i) => view.setUint32(7 + 4 * i, Math.floor(t / 1000)));
    this.store.putState(this.stateName, bytes);
  }

  private load(saved: Uint8Array | null): void {
    if (!saved || saved.length < 7 || saved[0] !== VERSION || saved.length !== 7 + 4 * saved[6]!) return;
    const view = new DataView(saved.buffer, saved.byteOffset, saved.length);
    this.level = saved[1]!;
    this.until = view.getUint32(2) * 1000;
    for (let i = 0; i < saved[6]!; i++) this.failures.push(view.getUint32(7 + 4 * i) * 1000);
  }
}
