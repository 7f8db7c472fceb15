// The Clock port on Node's own timers. Globals are looked up at call time, so a simulator that
// installs fake timers (sim/time.ts) drives this clock and johnny-five's internal timers alike.
import type { Clock, TimerHandle } from '../ports/clock.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  // CLOCK_MONOTONIC through process.hrtime: the `performance` global would load perf_hooks at boot.
  monotonic: () => Number(process.hrtime.bigint()) / 1e6,
  after(ms: number, fn: () => void): TimerHandle {
    const handle = globalThis.setTimeout(fn, ms);
    handle.unref?.();
    return { cancel: () => globalThis.clearTimeout(handle) };
  },
  every(ms: number, fn: () => void): TimerHandle {
    const handle = globalThis.setInterval(fn, ms);
    handle.unref?.();
    return { cancel: () => globalThis.clearInterval(handle) };
  },
};
