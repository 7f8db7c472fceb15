// The deadbolt controller's vocabulary: states, causes, alarms, command results, and its events.

import type { AlarmKind as AnyAlarm, BoltCause, BoltRefusal, BoltStateCause, OperationOutcome } from '../reasons.js';

export type LockState = 'unknown' | 'locked' | 'unlocking' | 'unlocked' | 'locking' | 'jammed';

/** Who or what asked for a bolt movement (closed set: firmware/reasons.ts). */
export type Cause = BoltCause;

export type AlarmKind = Extract<AnyAlarm, 'jammed' | 'door-ajar' | 'forced-entry' | 'tamper' | 'bolt-sensor-fault'>;

/**
 * Answer to lock()/unlock(): `started`, or why not. Closed set.
 * `already`: the bolt is there; `door-open`: will not throw the bolt into an open door;
 * `busy`: an unlock is under way; `stopped`: the controller has shut down.
 */
export type BoltRequestResult = 'started' | 'already' | BoltRefusal;

export type { OperationOutcome };

export interface DeadboltEvents {
  state: { from: LockState; to: LockState; cause: BoltStateCause };
  operation: { op: 'lock' | 'unlock'; cause: Cause; outcome: OperationOutcome; ms: number; retried: boolean };
  alarm: { kind: AlarmKind; active: boolean };
  manual: { position: 'locked' | 'unlocked' };
  door: { state: 'open' | 'closed' };
}

export interface DeadboltConfig {
  /** Longest a drive may run before it counts as a stall (from the board profile). */
  travelTimeoutMs: number;
  /** How long to drive the other way after a stall before the one retry. */
  backoffMs: number;
  /** Relock this long after the door is (re)closed while unlocked; null turns it off. */
  autoRelockMs: number | null;
  /** Raise door-ajar when the door stays open this long. */
  doorAjarMs: number;
  /** At boot with the bolt between ends and the door shut: lock (fail-secure) or leave it. */
  bootAction: 'lock-if-closed' | 'none';
  /** On shutdown: leave the bolt locked when the door is shut (fail-secure), or as it is. */
  shutdownPosition: 'locked' | 'as-is';
}
