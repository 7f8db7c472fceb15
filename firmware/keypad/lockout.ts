// Keypad lockout after Matter's door-lock semantics: after `wrongCodeLimit` wrong codes the keypad
// is disabled for `disableMs`; each further lockout without a good code in between doubles it (up
// to `maxDisableMs`). Persisted on every change, so a reboot does not reset the count.
import type { AccessStore } from '../store/store.js';

export interface LockoutConfig {
  wrongCodeLimit: number;
  disableMs: number;
  maxDisableMs: number;
}

export const DEFAULT_LOCKOUT: LockoutConfig = { wrongCodeLimit: 5, disableMs: 60_000, maxDisableMs: 3_600_000 };

export class Lockout {
  private wrong = 0;
  private lockouts = 0;
  private until = 0;

  constructor(
    private readonly store: AccessStore,
    readonly config: LockoutConfig = DEFAULT_LOCKOUT,
  ) {
    const saved = store.getState('keypad');
    if (saved && saved.length === 10) {
      const view = new DataView(saved.buffer, saved.byteOffset, saved.length);
      this.wrong = saved[0]!;
      this.lockouts = saved[1]!;
      this.until = Number(view.getBigUint64(2));
    }
  }

  get wrongCodes(): number {
    return this.wrong;
  }

  /** Milliseconds of lockout left at `now` (trusted time), 0 when the keypad is usable. */
  remaining(now: number): number {
    return Math.max(0, this.until - now);
  }

  /** Count a wrong code; returns the new lockout's length in ms when this one triggered it. */
  recordWrong(now: number): number | null {
    this.wrong++;
    let lockedFor: number | null = null;
    if (this.wrong >= this.config.wrongCodeLimit) {
      lockedFor = Math.min(this.config.disableMs * 2 ** this.lockouts, this.config.maxDisableMs);
      this.lockouts = Math.min(this.lockouts + 1, 30);
      this.until = now + lockedFor;
      this.wrong = 0;
    }
    this.save();
    return lockedFor;
  }

  recordSuccess(): void {
    if (this.wrong === 0 && this.lockouts === 0) return;
    this.wrong = 0;
    this.lockouts = 0;
    this.save();
  }

  private save(): void {
    const bytes = new Uint8Array(10);
    bytes[0] = Math.min(this.wrong, 255);
    bytes[1] = this.lockouts;
    new DataView(bytes.buffer).setBigUint64(2, BigInt(Math.floor(this.until)));
    this.store.putState('keypad', bytes);
  }
}
