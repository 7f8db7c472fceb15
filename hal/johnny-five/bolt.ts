// BoltActuator drivers: an H-bridge motor (johnny-five Motor, 3-pin: enable PWM, forward, reverse)
// or a hobby servo (johnny-five Servo), each with two limit switches for position.
import five from 'johnny-five';
import type { BoltConfig, DigitalInputConfig } from '../boards.js';
import type { BoltActuator, BoltDrive, BoltPosition } from '../ports/bolt-actuator.js';
import type { Clock } from '../ports/clock.js';
import { HalError, type Unsubscribe } from '../ports/errors.js';
import { DigitalInput } from './digital-input.js';

interface Mover {
  extend(): void;
  retract(): void;
  stop(): void;
}

export class JohnnyFiveBolt implements BoltActuator {
  private readonly lockedSwitch: DigitalInput;
  private readonly unlockedSwitch: DigitalInput;
  private readonly mover: Mover;
  private readonly listeners = new Set<(p: BoltPosition) => void>();
  private last: BoltPosition;
  private current: BoltDrive = 'stop';
  private closed = false;

  constructor(
    board: five.Board,
    config: BoltConfig,
    switches: { locked: DigitalInputConfig; unlocked: DigitalInputConfig },
    clock: Clock,
  ) {
    this.lockedSwitch = new DigitalInput(board, switches.locked, clock);
    this.unlockedSwitch = new DigitalInput(board, switches.unlocked, clock);
    this.mover = config.kind === 'motor' ? motorMover(board, config) : servoMover(board, config);
    this.mover.stop();
    this.last = this.readPosition();
    const changed = () => {
      const now = this.readPosition();
      if (now === this.last) return;
      this.last = now;
      for (const listener of this.listeners) listener(now);
    };
    this.lockedSwitch.onChange(changed);
    this.unlockedSwitch.onChange(changed);
  }

  /** Resolves once both limit switches have reported. */
  async ready(): Promise<void> {
    await Promise.all([this.lockedSwitch.ready(), this.unlockedSwitch.ready()]);
    this.last = this.readPosition();
  }

  get driving(): BoltDrive {
    return this.current;
  }

  drive(direction: BoltDrive): void {
    if (this.closed) throw new HalError('E_CLOSED', 'bolt actuator is closed');
    try {
      if (direction === 'extend') this.mover.extend();
      else if (direction === 'retract') this.mover.retract();
      else this.mover.stop();
      this.current = direction;
    } catch (error) {
      throw new HalError('E_IO', `bolt drive ${direction} failed`, { cause: error });
    }
  }

  readPosition(): BoltPosition {
    const locked = this.lockedSwitch.value === true;
    const unlocked = this.unlockedSwitch.value === true;
    if (locked && unlocked) return 'fault';
    if (locked) return 'locked';
    if (unlocked) return 'unlocked';
    return 'between';
  }

  onPosition(listener: (p: BoltPosition) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.mover.stop();
    } finally {
      this.current = 'stop';
      this.closed = true;
      this.lockedSwitch.close();
      this.unlockedSwitch.close();
      this.listeners.clear();
    }
  }
}

function motorMover(board: five.Board, config: Extract<BoltConfig, { kind: 'motor' }>): Mover {
  const { enable, forward, reverse } = config.pins;
  const motor = new five.Motor({ pins: [enable, forward, reverse], board } as unknown as five.MotorOption);
  return {
    extend: () => motor.forward(config.speed),
    retract: () => motor.reverse(config.speed),
    stop: () => motor.stop(),
  };
}

function servoMover(board: five.Board, config: Extract<BoltConfig, { kind: 'servo' }>): Mover {
  const servo = new five.Servo({ pin: config.pin, board } as unknown as five.ServoGeneralOption);
  return {
    extend: () => servo.to(config.lockedDeg),
    retract: () => servo.to(config.unlockedDeg),
    // Servo.stop() only ends a sweep; a servo still pulsed keeps going to its last target.
    // A pulse width of 0 turns the pulses off (pigpio's meaning): the servo goes limp where
    // it is, and the thumb-turn can move the bolt by hand.
    stop: () => {
      servo.stop();
      board.io.servoWrite(servo.pin as unknown as number, 0);
    },
  };
}
