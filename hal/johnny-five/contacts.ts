// Door sensor, tamper switch and pair button: each a debounced DigitalInput with its meaning.
import type five from 'johnny-five';
import type { DigitalInputConfig } from '../boards.js';
import type { Clock } from '../ports/clock.js';
import type { DoorSensor, DoorState } from '../ports/door-sensor.js';
import type { Unsubscribe } from '../ports/errors.js';
import type { PairButton } from '../ports/pair-button.js';
import type { TamperSwitch } from '../ports/tamper-switch.js';
import { DigitalInput } from './digital-input.js';

/** The door contact is active while the door is shut. */
export class JohnnyFiveDoor implements DoorSensor {
  readonly input: DigitalInput;
  constructor(board: five.Board, config: DigitalInputConfig, clock: Clock) {
    this.input = new DigitalInput(board, config, clock);
  }
  read(): DoorState {
    // Until the first reading, assume open: the safe answer for a lock deciding whether to throw.
    return this.input.value === true ? 'closed' : 'open';
  }
  onChange(listener: (state: DoorState) => void): Unsubscribe {
    return this.input.onChange((closed) => listener(closed ? 'closed' : 'open'));
  }
  close(): void {
    this.input.close();
  }
}

export class JohnnyFiveTamper implements TamperSwitch {
  readonly input: DigitalInput;
  constructor(board: five.Board, config: DigitalInputConfig, clock: Clock) {
    this.input = new DigitalInput(board, config, clock);
  }
  isTampered(): boolean {
    return this.input.value === true;
  }
  onChange(listener: (tampered: boolean) => void): Unsubscribe {
    return this.input.onChange(listener);
  }
  close(): void {
    this.input.close();
  }
}

export class JohnnyFivePairButton implements PairButton {
  readonly input: DigitalInput;
  constructor(board: five.Board, config: DigitalInputConfig, clock: Clock) {
    this.input = new DigitalInput(board, config, clock);
  }
  isPressed(): boolean {
    return this.input.value === true;
  }
  onChange(listener: (pressed: boolean) => void): Unsubscribe {
    return this.input.onChange(listener);
  }
  close(): void {
    this.input.close();
  }
}
