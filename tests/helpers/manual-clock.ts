// A Clock moved by hand (unit tests that need no simulated board).
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';

/** A clock moved by hand; timers fire in order as it passes them. */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
  every(ms: number, fn: () => void): TimerHandle {
    let current: TimerHandle;
    const arm = () => {
      current = this.after(ms, () => {
        arm();
        fn();
      });
    };
    arm();
    return { cancel: () => current.cancel() };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
}

