// Port for time: wall-clock reading and timers. Injected everywhere so scenarios run on simulated time.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, as this clock sees it. */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that never jumps (CLOCK_MONOTONIC), when the clock has
   * one: the access core measures wall-clock jumps against it. Absent: `now()` serves as both.
   */
  monotonic?(): number;
  /** Run `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Run `fn` every `ms` milliseconds until cancelled. */
  every(ms: number, fn: () => void): TimerHandle;
}
