// Port for the deadbolt: a motor (or servo) command, and the position its sensors report.
import type { Unsubscribe } from './errors.js';

/**
 * Where the bolt physically is, from its sensors only:
 * `locked` (fully thrown), `unlocked` (fully retracted), `between` (neither end switch),
 * `fault` (both end switches at once: wiring or sensor failure).
 */
export type BoltPosition = 'locked' | 'unlocked' | 'between' | 'fault';

/** What the actuator is asked to do: throw the bolt, withdraw it, or stop driving. */
export type BoltDrive = 'extend' | 'retract' | 'stop';

export interface BoltActuator {
  /**
   * Start driving the bolt in a direction, or stop. Returns at once; movement is reported
   * through `onPosition`. The actuator never stops by itself: the caller bounds every drive.
   * Errors: HalError E_CLOSED after `close()`; E_IO when the board refuses the write.
   */
  drive(direction: BoltDrive): void;
  /** The direction last commanded. Never throws. */
  readonly driving: BoltDrive;
  /**
   * The position the sensors report, debounced. `fault` only once both end switches have stayed
   * active past their debounce: a moment where both read active while they settle is not reported.
   * Never throws.
   */
  readPosition(): BoltPosition;
  /** Called on every change of reported position (debounced, faults confirmed). */
  onPosition(listener: (position: BoltPosition) => void): Unsubscribe;
  /** Stop the motor and release the pins. Idempotent. */
  close(): void;
}
