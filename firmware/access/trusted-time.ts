// Trusted time for the access core. Backwards: never below the persisted floor (a clock set back is
// reported). Forwards: the wall clock is measured against the monotonic clock from an anchor (boot,
// or a signed heartbeat that confirmed the time); a wall clock more than `forwardToleranceMs` ahead
// of that estimate is a jump nobody vouched for. Until a heartbeat confirms it, trusted time is the
// estimate, the floor is not raised past it, grants must pass at both times (so windows that open
// only because of the jump stay closed), and the state survives a reboot.
import type { Clock } from '../../hal/ports/clock.js';
import type { AccessStore } from '../store/store.js';

export interface TrustedTimeOptions {
  backToleranceMs: number;
  forwardToleranceMs: number;
}

export type TimeReport =
  | { type: 'clock-set-back'; clock: number; floor: number }
  | { type: 'clock-jumped-forward'; clock: number; trusted: number }
  | { type: 'clock-confirmed'; clock: number };

const SUSPECT = 1;

export class TrustedTime {
  private anchorWall: number;
  private anchorMono: number;
  private suspect = false;
  private clockBack = false;

  constructor(
    private readonly clock: Clock,
    private readonly store: AccessStore,
    private readonly options: TrustedTimeOptions,
    private readonly report: (event: TimeReport) => void,
  ) {
    this.anchorMono = this.mono();
    this.anchorWall = clock.now();
    // A jump still unconfirmed when the lock went down stays unconfirmed: time resumes from the
    // estimate saved then (an underestimate by the time the lock was off, which only closes windows).
    const saved = store.getState('clock');
    if (saved?.length === 9 && saved[0] === SUSPECT) {
      this.suspect = true;
      this.anchorWall = Math.max(Number(new DataView(saved.buffer, saved.byteOffset, 9).getBigUint64(1)), store.timeFloor());
    }
  }

  /** True while the wall clock is ahead of trusted time by a jump no heartbeat has confirmed. */
  get unconfirmed(): boolean {
    return this.suspect;
  }

  /** Trusted time (ms): the wall clock, or the estimate while a jump is unconfirmed; never below the floor. */
  now(): number {
    const raw = this.clock.now();
    const estimate = Math.floor(this.anchorWall + (this.mono() - this.anchorMono));
    if (!this.suspect && raw - estimate > this.options.forwardToleranceMs) {
      this.suspect = true;
      this.save(estimate);
      this.report({ type: 'clock-jumped-forward', clock: raw, trusted: estimate });
    }
    const wall = this.suspect ? Math.min(raw, estimate) : raw;
    const floor = this.store.timeFloor();
    if (wall < floor - this.options.backToleranceMs) {
      if (!this.clockBack) this.report({ type: 'clock-set-back', clock: wall, floor });
      this.clockBack = true;
      return floor;
    }
    this.clockBack = false;
    if (wall > floor) this.store.raiseTimeFloor(wall);
    return Math.max(wall, floor);
  }

  /** The wall clock while it is ahead by an unconfirmed jump (grants must pass then too), else null. */
  ahead(): number | null {
    return this.suspect ? this.clock.now() : null;
  }

  /**
   * A verified heartbeat (time in ms) vouches for the wall clock when the wall clock is no further
   * ahead of it than the tolerance: the anchor moves to now and an unconfirmed jump is confirmed.
   */
  confirm(heartbeatMs: number): void {
    const raw = this.clock.now();
    if (raw - heartbeatMs > this.options.forwardToleranceMs) return;
    this.anchorWall = raw;
    this.anchorMono = this.mono();
    if (!this.suspect) return;
    this.suspect = false;
    this.persist(Uint8Array.of(0));
    this.report({ type: 'clock-confirmed', clock: raw });
  }

  private mono(): number {
    return this.clock.monotonic?.() ?? this.clock.now();
  }

  private save(estimate: number): void {
    const bytes = new Uint8Array(9);
    bytes[0] = SUSPECT;
    new DataView(bytes.buffer).setBigUint64(1, BigInt(Math.floor(estimate)));
    this.persist(bytes);
  }

  /** Never throws out of a decision: if storage fails, the state holds in memory until the next boot. */
  private persist(bytes: Uint8Array): void {
    try {
      this.store.putState('clock', bytes);
    } catch {
      // The jump is still distrusted now; the store reports its own fault.
    }
  }
}
