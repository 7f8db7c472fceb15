// The one hand-moved Clock for tests and benchmarks that need no simulated board: time moves only
// when told (advance runs the timers it passes, in order; set jumps without running them).
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';

export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean; every: number | null }[] = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.t + ms, fn, live: true, every: null };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
  every(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.t + ms, fn, live: true, every: Math.max(1, ms) };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
  /** Move the wall clock to `ms` without running any timer (a clock set, not time passing). */
  set(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      if (next.every === null) next.live = false;
      else next.at += next.every;
      next.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
}
