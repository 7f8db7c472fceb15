// The lock's state as one value: what the retained MQTT state, the simulator's `s` and a status
// screen all show, read from the parts that own it (bolt, door, mode, battery gauge, alarms).
import type { BatteryMonitor } from '../hal/ports/battery-monitor.js';
import type { VisitSupervisor } from './camera/supervisor.js';
import type { LocalAccess } from './local-access.js';
import type { Deadbolt } from './lock/deadbolt.js';

export interface LockStatus {
  bolt: Deadbolt['current'];
  door: Deadbolt['doorState'];
  mode: string;
  /** The gauge's last reading (percent), null without a gauge or before its first reading. */
  battery: number | null;
  /** Active alarms: the deadbolt's (forced entry, tamper, jam...) then supervised visits' (camera...). */
  alarms: string[];
}

export function lockStatus(parts: { deadbolt: Deadbolt; local: LocalAccess | null; battery?: BatteryMonitor; supervisor: VisitSupervisor | null }): LockStatus {
  return {
    bolt: parts.deadbolt.current,
    door: parts.deadbolt.doorState,
    mode: parts.local?.mode ?? 'normal',
    battery: parts.battery?.readLevel() ?? null,
    alarms: [...parts.deadbolt.activeAlarms, ...(parts.supervisor?.activeAlarms ?? [])],
  };
}
