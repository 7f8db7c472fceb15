// Port for the physical pair button inside the case: proof that someone stands at the lock.
import type { Unsubscribe } from './errors.js';

export interface PairButton {
  /** True while held down (debounced). */
  isPressed(): boolean;
  /** Called on press (true) and release (false). */
  onChange(listener: (pressed: boolean) => void): Unsubscribe;
  close(): void;
}
