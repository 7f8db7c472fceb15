// The deadbolt's mechanics: a motor (H-bridge) or servo moves the bolt over a real travel time,
// limit switches close at each end, the bolt can stall (jam) and can be turned by hand.
// Event-driven: position is integrated only when something changes or a switch point is reached.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimIO } from '../io/sim-io.js';
import type { Contact } from './contact.js';

export type BoltWiring =
  | { kind: 'motor'; enable: number; forward: number; reverse: number }
  | { kind: 'servo'; pin: number; lockedDeg: number; unlockedDeg: number };

export type MotorDrive = 'extend' | 'retract' | 'stop';

export interface BoltPhysicsOptions {
  /** Full stroke under power. */
  travelMs: number;
  /** Full stroke by hand on the thumb-turn. */
  handMs: number;
  /** Fraction of the stroke over which each end's limit switch is closed. */
  switchZone: number;
}

const EPS = 1e-9;

export class BoltPhysics {
  /** 0 = fully withdrawn, 1 = fully thrown. */
  private pos: number;
  private t0: number;
  private velocity = 0;
  private jam: { transient: boolean; against: MotorDrive | null } | null = null;
  private hand: number | null = null;
  private next: TimerHandle | null = null;
  private readonly listeners: (() => void)[] = [];
  readonly options: BoltPhysicsOptions;

  constructor(
    private readonly io: SimIO,
    private readonly clock: Clock,
    private readonly wiring: BoltWiring,
    private readonly lockedSwitch: Contact,
    private readonly unlockedSwitch: Contact,
    options: Partial<BoltPhysicsOptions> = {},
    initial = 1,
  ) {
    this.options = { travelMs: 600, handMs: 400, switchZone: 0.02, ...options };
    this.pos = initial;
    this.t0 = clock.now();
    const pins = wiring.kind === 'motor' ? [wiring.enable, wiring.forward, wiring.reverse] : [wiring.pin];
    for (const pin of pins) io.onOutput(pin, () => this.update());
    this.update();
  }

  /** Position now, 0 (withdrawn) .. 1 (thrown). */
  get position(): number {
    this.integrate();
    return this.pos;
  }

  get isThrown(): boolean {
    return this.position >= 1 - this.options.switchZone - EPS;
  }

  get isWithdrawn(): boolean {
    return this.position <= this.options.switchZone + EPS;
  }

  get isJammed(): boolean {
    return this.jam !== null;
  }

  /** What the motor (or servo) is being driven to do right now, from the pin levels. */
  get drive(): MotorDrive {
    if (this.wiring.kind === 'servo') {
      const target = this.servoTarget();
      if (target === null || Math.abs(target - this.pos) < 1e-6) return 'stop';
      return target > this.pos ? 'extend' : 'retract';
    }
    const { enable, forward, reverse } = this.wiring;
    if (this.io.readOutput(enable) <= 0) return 'stop';
    const f = this.io.readOutput(forward);
    const r = this.io.readOutput(reverse);
    if (f && !r) return 'extend';
    if (r && !f) return 'retract';
    return 'stop';
  }

  /** Called after every change of position or drive. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Stall the bolt where it is. A transient jam frees itself once the motor backs off. */
  jamBolt(transient = false): void {
    this.integrate();
    this.jam = { transient, against: null };
    this.update();
  }

  clearJam(): void {
    this.integrate();
    this.jam = null;
    this.update();
  }

  /** Turn the thumb-turn by hand. Refused while the motor drives or the bolt is jammed. */
  turnByHand(to: 'locked' | 'unlocked'): boolean {
    if (this.jam || this.drive !== 'stop') return false;
    this.integrate();
    this.hand = to === 'locked' ? 1 : 0;
    this.update();
    return true;
  }

  private servoTarget(): number | null {
    if (this.wiring.kind !== 'servo') return null;
    if (this.io.modeOf(this.wiring.pin) === undefined) return null;
    const us = this.io.readOutput(this.wiring.pin);
    if (us <= 0) return null;
    const deg = ((us - 600) / 1800) * 180;
    const { lockedDeg, unlockedDeg } = this.wiring;
    return Math.min(1, Math.max(0, (deg - unlockedDeg) / (lockedDeg - unlockedDeg)));
  }

  private integrate(): void {
    const now = this.clock.now();
    this.pos = Math.min(1, Math.max(0, this.pos + this.velocity * (now - this.t0)));
    this.t0 = now;
    if (this.hand !== null && Math.abs(this.pos - this.hand) < 1e-6) this.hand = null;
  }

  private update(): void {
    this.integrate();
    const drive = this.drive;
    if (this.jam?.transient && drive !== 'stop') {
      if (this.jam.against === null) this.jam.against = drive;
      else if (this.jam.against !== drive) this.jam = null;
    }
    if (drive !== 'stop') this.hand = null;
    const motorSpeed = 1 / this.options.travelMs;
    if (this.jam) this.velocity = 0;
    else if (drive === 'extend') this.velocity = motorSpeed;
    else if (drive === 'retract') this.velocity = -motorSpeed;
    else if (this.hand !== null) this.velocity = Math.sign(this.hand - this.pos) / this.options.handMs;
    else this.velocity = 0;
    this.lockedSwitch.set(this.pos >= 1 - this.options.switchZone - EPS);
    this.unlockedSwitch.set(this.pos <= this.options.switchZone + EPS);
    this.scheduleNext();
    for (const listener of this.listeners) listener();
  }

  /** Wake at the next point where a switch changes or motion ends. */
  private scheduleNext(): void {
    this.next?.cancel();
    this.next = null;
    if (this.velocity === 0) return;
    const zone = this.options.switchZone;
    const stops = [0, zone, 1 - zone, 1];
    const target = this.hand ?? this.servoTarget();
    if (target !== null) stops.push(target);
    let best = Number.POSITIVE_INFINITY;
    for (const stop of stops) {
      const dt = (stop - this.pos) / this.velocity;
      if (dt > 1e-6 && dt < best) best = dt;
    }
    if (!Number.isFinite(best)) return;
    // Wake just past the point, so a switch boundary is crossed, not landed on.
    this.next = this.clock.after(Math.floor(best) + 1, () => {
      this.next = null;
      this.update();
    });
  }
}
