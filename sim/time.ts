// Simulated time: installs fake timers over the process's global clock, so the firmware's Clock
// port, the physics, and johnny-five's own debounce and polling timers all share one timeline
// that a test advances by hand (Zephyr native_sim style). Real time is untouched until install.
import sinon from 'sinon';
import { systemClock } from '../hal/node/clock.js';
import type { Clock } from '../hal/ports/clock.js';

export interface SimTime {
  readonly clock: Clock;
  /** Run every timer due in the next `ms` milliseconds, in order. */
  advance(ms: number): void;
  /** Advance in steps until `done()` holds or `maxMs` passes; returns whether it held. */
  advanceUntil(done: () => boolean, maxMs: number, stepMs?: number): boolean;
  /** Set the wall clock without running timers (a clock set back or forward). */
  setWallClock(ms: number): void;
  now(): number;
  uninstall(): void;
}

export function installSimTime(startMs = Date.UTC(2026, 0, 5, 9, 0, 0)): SimTime {
  const fake = sinon.useFakeTimers({
    now: startMs,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    shouldClearNativeTimers: true,
  });
  // Simulated monotonic time: advances with the timers, ignores setWallClock's jumps.
  let wallShift = 0;
  return {
    clock: { ...systemClock, monotonic: () => fake.now - wallShift },
    advance: (ms) => {
      fake.tick(ms);
    },
    advanceUntil(done, maxMs, stepMs = 5) {
      for (let spent = 0; spent < maxMs; spent += stepMs) {
        if (done()) return true;
        fake.tick(stepMs);
      }
      return done();
    },
    setWallClock: (ms) => {
      wallShift += ms - fake.now;
      fake.setSystemTime(ms);
    },
    now: () => fake.now,
    uninstall: () => fake.restore(),
  };
}
