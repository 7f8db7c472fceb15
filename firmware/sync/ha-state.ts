// The retained state JSON (`locks/<id>/state`) that Home Assistant's entities read: the lock state
// in Home Assistant's vocabulary (the bolt; `None` when unknown; JAMMED never hidden by the door),
// the door, mode, battery, active alarms and faults, keypad lockout and the last access.
import type { LocalAccess } from '../local-access.js';
import type { Deadbolt } from '../lock/deadbolt.js';
import type { LockState } from '../lock/types.js';

/** Home Assistant's lock states; `None` is its reset payload (unknown). OPEN is never sent: this bolt does not unlatch. */
export type HaLockState = 'LOCKED' | 'UNLOCKED' | 'LOCKING' | 'UNLOCKING' | 'JAMMED' | 'None';

const HA_LOCK: Record<LockState, HaLockState> = {
  locked: 'LOCKED', unlocked: 'UNLOCKED', locking: 'LOCKING', unlocking: 'UNLOCKING', jammed: 'JAMMED', unknown: 'None',
};

/** The bolt in Home Assistant's terms. The door never overrides it; an active jam always shows. */
export function haLockState(bolt: LockState, alarms: Iterable<string>): HaLockState {
  for (const a of alarms) if (a === 'jammed') return 'JAMMED';
  return HA_LOCK[bolt];
}

/** The last allowed access since boot. */
export interface LastAccess {
  time: string;
  label: string | null;
  role: string | null;
  method: string | null;
}

export interface LockStateJson {
  lock: HaLockState;
  bolt: LockState;
  door: 'open' | 'closed';
  mode: string;
  battery: number | null;
  /** Active alarms: the bolt's, the camera's and `storage-fault`. */
  alarms: string[];
  keypad_lockout: boolean;
  last_access: LastAccess | null;
}

export interface StateSources {
  deadbolt: Deadbolt;
  local: LocalAccess | null;
  battery: number | null;
  visitAlarms: Iterable<string>;
  storageFault: boolean;
  lockoutActive: boolean;
  lastAccess: LastAccess | null;
}

export function lockStateJson(s: StateSources): LockStateJson {
  const alarms = [...s.deadbolt.activeAlarms, ...s.visitAlarms, ...(s.storageFault ? ['storage-fault'] : [])];
  return {
    lock: haLockState(s.deadbolt.current, alarms),
    bolt: s.deadbolt.current,
    door: s.deadbolt.doorState,
    mode: s.local?.mode ?? 'normal',
    battery: s.battery,
    alarms,
    keypad_lockout: s.lockoutActive,
    last_access: s.lastAccess,
  };
}
