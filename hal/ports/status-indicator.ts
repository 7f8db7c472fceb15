// Port for what a person at the door sees and hears: the status LED and the buzzer.

/** Signals the lock shows. The driver owns the light and sound pattern of each. */
export type StatusSignal =
  | 'idle'
  | 'busy'
  | 'accepted'
  | 'refused'
  | 'locked-out'
  | 'alarm'
  | 'pairing'
  | 'key';

export interface StatusIndicator {
  /** Show a signal; a new signal replaces the current pattern. Never throws after construction. */
  show(signal: StatusSignal): void;
  /** The signal shown now. */
  readonly current: StatusSignal;
  close(): void;
}
