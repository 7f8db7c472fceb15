// Port for the case tamper switch: true while the case is open or pulled off the wall.
import type { Unsubscribe } from './errors.js';

export interface TamperSwitch {
  /** Debounced state now. Never throws. */
  isTampered(): boolean;
  onChange(listener: (tampered: boolean) => void): Unsubscribe;
  close(): void;
}
