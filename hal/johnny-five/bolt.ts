// BoltActuator drivers: an H-bridge motor (johnny-five Motor, 3-pin: enable PWM, forward, reverse)
// or a hobby servo (johnny-five Servo), each with two limit switches for position.
import five from 'johnny-five';
import type { BoltConfig, DigitalInputConfig } from '../boards.js';
import type { BoltActuator, BoltDrive, BoltPosition } from '../ports/bolt-actuator.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
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
  private faultTimer: TimerHandle | null = null;
  /** Both switches must stay active this long to count as a fault (see `changed`). */
  private readonly faultConfirmMs: number;

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
    this.faultConfirmMs = Math.max(switches.locked.debounceMs, switches.unlocked.debounceMs) + 50;
    this.last = this.sensed();
    // When both switches change between two polls (a fast stroke, or an event loop stalled by GC or
    // I/O), their debounced views settle one after the other and can briefly both read active. A
    // fault is reported only if it outlasts the slower switch's debounce; until then nothing changes.
    const changed = () => {
      const now = this.sensed();
      if (now === 'fault') {
        this.faultTimer ??= clock.after(this.faultConfirmMs, () => {
          this.faultTimer = null;
          if (this.sensed() === 'fault') this.report('fault');
        });
        return;
      }
      this.faultTimer?.cancel();
      this.faultTimer = null;
      this.report(now);
    };
    this.lockedSwitch.onChange(changed);
    this.unlockedSwitch.onChange(changed);
  }

  private report(position: BoltPosition): void {
    if (position === this.last) return;
    this.last = position;
    for (const listener of this.listeners) listener(position);
  }

  /** What the two debounced switches say right now, before fault confirmation. */
  private sensed(): BoltPosition {
    const locked = this.lockedSwitch.value === true;
    const unlocked = this.unlockedSwitch.value === true;
    if (locked && unlocked) return 'fault';
    if (locked) return 'locked';
    if (unlocked) return 'unlocked';
    return 'between';
  }

  /** Resolves once both limit switches have reported. */
  async ready(): Promise<void> {
    await Promise.all([this.lockedSwitch.ready(), this.unlockedSwitch.ready()]);
    this.last = this.sensed(); // at boot the inputs are settled: both active is a real fault
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

  /** The confirmed position: the last one reported. */
  readPosition(): BoltPosition {
    return this.last;
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
      this.faultTimer?.cancel();
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
