// A clock the installer can correct (pairing's set-time) without root rights over the system
// clock: the board's time plus an offset. Timers are relative, so they pass straight through.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';

export class OffsetClock implements Clock {
  constructor(
    private readonly base: Clock,
    private offset = 0,
  ) {}

  get offsetMs(): number {
    return this.offset;
  }

  /** Make `now()` read `ms`; returns the new offset. */
  set(ms: number): number {
    this.offset = ms - this.base.now();
    return this.offset;
  }

  /** The board's own reading, uncorrected. */
  raw(): number {
    return this.base.now();
  }

  now(): number {
    return this.base.now() + this.offset;
  }

  /** The board's monotonic clock: `set` moves the wall clock, never this. */
  monotonic(): number {
    return this.base.monotonic?.() ?? this.base.now();
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.base.after(ms, fn);
  }

  every(ms: number, fn: () => void): TimerHandle {
    return this.base.every(ms, fn);
  }
}
