// Port for the matrix keypad: one event per key pressed, nothing else.
import type { Unsubscribe } from './errors.js';

/** Keys a keypad can report: digits, `*`, `#`, and A-D on 4x4 pads. */
export type KeypadKey =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '*'
  | '#'
  | 'A'
  | 'B'
  | 'C'
  | 'D';

export const KEYPAD_KEYS: readonly KeypadKey[] = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '*',
  '#',
  'A',
  'B',
  'C',
  'D',
];

export interface Keypad {
  /** Called once per press (on the press, not the release). Ghosted multi-key chords are dropped. */
  onKey(listener: (key: KeypadKey) => void): Unsubscribe;
  close(): void;
}
