// Port for the battery: level in percent, reported when it changes.
import type { Unsubscribe } from './errors.js';

export interface BatteryMonitor {
  /** Last measured level, 0..100, or null before the first reading. */
  readLevel(): number | null;
  /** Called when the level changes by at least one percent. */
  onLevel(listener: (percent: number) => void): Unsubscribe;
  close(): void;
}
