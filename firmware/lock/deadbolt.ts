// The deadbolt controller: drives the bolt to an end switch within a deadline, backs off and retries
// once on a stall, never throws into an open door, relocks after the door closes, and raises the
// door-ajar, forced-entry, tamper and jam alarms. State comes from the sensors, never assumed.
import type { BoltActuator, BoltPosition } from '../../hal/ports/bolt-actuator.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { DoorSensor } from '../../hal/ports/door-sensor.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { TamperSwitch } from '../../hal/ports/tamper-switch.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type {
  AlarmKind,
  Cause,
  BoltRequestResult,
  DeadboltConfig,
  DeadboltEvents,
  LockState,
  OperationOutcome,
} from './types.js';

export interface DeadboltPorts {
  bolt: BoltActuator;
  door: DoorSensor;
  tamper?: TamperSwitch;
  clock: Clock;
}

interface Operation {
  op: 'lock' | 'unlock';
  cause: Cause;
  startedAt: number;
  retried: boolean;
  timer: TimerHandle | null;
}

export class Deadbolt {
  readonly events = new TypedEmitter<DeadboltEvents>();
  private state: LockState = 'unknown';
  private operation: Operation | null = null;
  private relockTimer: TimerHandle | null = null;
  private ajarTimer: TimerHandle | null = null;
  private readonly alarms = new Set<AlarmKind>();
  private readonly subscriptions: Unsubscribe[] = [];
  private stopped = false;
  private autoRelockEnabled = true;

  constructor(
    private readonly ports: DeadboltPorts,
    private readonly config: DeadboltConfig,
  ) {}

  get current(): LockState {
    return this.state;
  }

  get activeAlarms(): ReadonlySet<AlarmKind> {
    return this.alarms;
  }

  get doorState(): 'open' | 'closed' {
    return this.ports.door.read();
  }

  /** Read the bolt's real position and start watching the sensors. */
  start(): void {
    const { bolt, door, tamper } = this.ports;
    bolt.drive('stop');
    this.subscriptions.push(
      bolt.onPosition((p) => this.onPosition(p)),
      door.onChange((s) => this.onDoor(s)),
    );
    if (tamper) this.subscriptions.push(tamper.onChange((t) => this.setAlarm('tamper', t)));
    const position = bolt.readPosition();
    this.setState(stateOf(position) ?? 'unknown', 'sensor');
    if (position === 'fault') this.setAlarm('bolt-sensor-fault', true);
    if (tamper?.isTampered()) this.setAlarm('tamper', true);
    if (door.read() === 'open') this.startAjarTimer();
    if (position === 'between' && this.config.bootAction === 'lock-if-closed' && door.read() === 'closed') {
      this.lock('boot');
    }
    this.armRelock();
  }

  /** Throw the bolt. Refused while the door is open or an unlock is under way. */
  lock(cause: Cause = 'command'): BoltRequestResult {
    if (this.stopped && cause !== 'shutdown') return 'stopped';
    if (this.operation?.op === 'lock') return 'already';
    if (this.operation) return 'busy';
    if (this.state === 'locked') return 'already';
    if (this.ports.door.read() === 'open') return 'door-open';
    this.begin('lock', cause);
    return 'started';
  }

  /** Withdraw the bolt. An unlock pre-empts a lock under way: a person at the door wins. */
  unlock(cause: Cause = 'command'): BoltRequestResult {
    if (this.stopped) return 'stopped';
    if (this.operation?.op === 'unlock') return 'already';
    if (this.operation) this.finish('preempted', null);
    else if (this.state === 'unlocked') return 'already';
    this.begin('unlock', cause);
    return 'started';
  }

  /** Turn auto-relock on or off at run time (passage mode keeps the door unlocked). */
  setAutoRelock(enabled: boolean): void {
    this.autoRelockEnabled = enabled;
    if (enabled) this.armRelock();
    else this.cancelRelock();
  }

  /**
   * Stop for good: the motor stops, and with `shutdownPosition: locked` a shut door is left
   * locked first (fail-secure). Resolves when the bolt is at rest.
   */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelRelock();
    this.ajarTimer?.cancel();
    if (this.operation?.op === 'unlock') this.finish('shutdown', null);
    if (this.config.shutdownPosition === 'locked' && this.state !== 'locked' && !this.operation)
      this.lock('shutdown');
    if (this.operation) {
      await new Promise<void>((resolve) => {
        const off = this.events.on('operation', () => {
          off();
          resolve();
        });
      });
    }
    this.ports.bolt.drive('stop');
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
  }

  // ---- operations ----

  private begin(op: 'lock' | 'unlock', cause: Cause): void {
    this.cancelRelock();
    this.operation = { op, cause, startedAt: this.ports.clock.now(), retried: false, timer: null };
    this.setState(op === 'lock' ? 'locking' : 'unlocking', cause);
    // Already at the end (its switch will not change): done without driving into the stop.
    const target = op === 'lock' ? 'locked' : 'unlocked';
    if (this.ports.bolt.readPosition() === target) {
      this.finish('done', target);
      return;
    }
    this.driveToEnd();
  }

  private driveToEnd(): void {
    const operation = this.operation!;
    this.ports.bolt.drive(operation.op === 'lock' ? 'extend' : 'retract');
    operation.timer = this.ports.clock.after(this.config.travelTimeoutMs, () => this.onStall());
  }

  /** No end switch within the deadline: stop, back off, retry once, then report the jam. */
  private onStall(): void {
    const operation = this.operation!;
    this.ports.bolt.drive('stop');
    if (operation.retried) {
      this.finish('jammed', 'jammed');
      return;
    }
    operation.retried = true;
    // Backing off an unlock means a short extend: never into an open door.
    const backoff = operation.op === 'lock' ? 'retract' : 'extend';
    if (backoff === 'retract' || this.ports.door.read() === 'closed') this.ports.bolt.drive(backoff);
    operation.timer = this.ports.clock.after(this.config.backoffMs, () => {
      this.ports.bolt.drive('stop');
      this.driveToEnd();
    });
  }

  private finish(outcome: OperationOutcome, next: LockState | null): void {
    const operation = this.operation!;
    operation.timer?.cancel();
    this.ports.bolt.drive('stop');
    this.operation = null;
    const settled = next ?? stateOf(this.ports.bolt.readPosition()) ?? 'unknown';
    this.setState(settled, operation.cause);
    if (outcome === 'jammed') this.setAlarm('jammed', true);
    if (outcome === 'done') this.setAlarm('jammed', false);
    const ms = this.ports.clock.now() - operation.startedAt;
    this.events.emit('operation', {
      op: operation.op,
      cause: operation.cause,
      outcome,
      ms,
      retried: operation.retried,
    });
    this.armRelock();
  }

  // ---- sensors ----

  private onPosition(position: BoltPosition): void {
    const operation = this.operation;
    if (position === 'fault') {
      if (operation) this.finish('sensor-fault', 'unknown');
      else this.setState('unknown', 'sensor');
      this.setAlarm('bolt-sensor-fault', true);
      return;
    }
    this.setAlarm('bolt-sensor-fault', false);
    if (operation) {
      const target = operation.op === 'lock' ? 'locked' : 'unlocked';
      if (position === target) this.finish('done', target);
      return;
    }
    // Nobody drove the motor: the thumb-turn (or a key) moved the bolt.
    const reached = stateOf(position);
    if (reached === null) {
      if (this.state === 'locked' || this.state === 'unlocked') this.setState('unknown', 'manual');
      return;
    }
    if (reached === this.state) return;
    this.setState(reached, 'manual');
    this.setAlarm('jammed', false);
    this.events.emit('manual', { position: reached });
    this.armRelock();
  }

  private onDoor(state: 'open' | 'closed'): void {
    this.events.emit('door', { state });
    if (state === 'open') {
      if (this.state === 'locked' || this.ports.bolt.readPosition() === 'locked')
        this.setAlarm('forced-entry', true);
      this.cancelRelock();
      this.startAjarTimer();
      if (this.operation?.op === 'lock') {
        // The door swung open under a closing bolt: pull it back in.
        this.finish('aborted-door-open', null);
        if (!this.stopped) this.begin('unlock', 'door-opened');
      }
      return;
    }
    this.ajarTimer?.cancel();
    this.ajarTimer = null;
    this.setAlarm('door-ajar', false);
    this.armRelock();
  }

  // ---- timers, state, alarms ----

  private armRelock(): void {
    this.cancelRelock();
    const delay = this.config.autoRelockMs;
    if (delay === null || !this.autoRelockEnabled || this.stopped) return;
    if (this.state !== 'unlocked' || this.ports.door.read() !== 'closed') return;
    this.relockTimer = this.ports.clock.after(delay, () => {
      this.relockTimer = null;
      this.lock('auto-relock');
    });
  }

  private cancelRelock(): void {
    this.relockTimer?.cancel();
    this.relockTimer = null;
  }

  private startAjarTimer(): void {
    this.ajarTimer?.cancel();
    this.ajarTimer = this.ports.clock.after(this.config.doorAjarMs, () => {
      this.ajarTimer = null;
      if (this.ports.door.read() === 'open') this.setAlarm('door-ajar', true);
    });
  }

  private setState(to: LockState, cause: DeadboltEvents['state']['cause']): void {
    if (to === this.state) return;
    const from = this.state;
    this.state = to;
    if (to === 'locked') this.setAlarm('forced-entry', false);
    this.events.emit('state', { from, to, cause });
  }

  private setAlarm(kind: AlarmKind, active: boolean): void {
    if (this.alarms.has(kind) === active) return;
    if (active) this.alarms.add(kind);
    else this.alarms.delete(kind);
    this.events.emit('alarm', { kind, active });
  }
}

function stateOf(position: BoltPosition): 'locked' | 'unlocked' | null {
  if (position === 'locked') return 'locked';
  if (position === 'unlocked') return 'unlocked';
  return null;
}
