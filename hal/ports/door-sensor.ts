// Port for the door contact: is the door shut in its frame or not.
import type { Unsubscribe } from './errors.js';

export type DoorState = 'open' | 'closed';

export interface DoorSensor {
  /** The debounced state now. Never throws. */
  read(): DoorState;
  /** Called on every debounced change. */
  onChange(listener: (state: DoorState) => void): Unsubscribe;
  close(): void;
}
