// A johnny-five IO plugin in pure software. Firmware face: the IO plugin API johnny-five calls.
// Backend face: physics models read output pins and drive input levels. Copies linux-io's rules
// (inputs polled every 5 ms, a pin's mode fixed once set, pull-ups refused where a board has none)
// so that what passes here also runs on pi-io and beaglebone-io.
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';

export const MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4, PULLUP: 11 } as const;
type Mode = (typeof MODES)[keyof typeof MODES];

export interface SimIORules {
  /** Input sampling period, like linux-io's 5 ms poll. */
  pollMs: number;
  /** Whether the board can enable internal pull resistors (BeagleBone cannot). */
  pullups: boolean;
  /** linux-io refuses to change a pin's mode once set. */
  lockModes: boolean;
}

export interface SimIOOptions {
  clock: Clock;
  digitalPins: readonly string[];
  analogPins: readonly string[];
  rules?: Partial<SimIORules>;
}

interface PinRecord {
  name: string;
  supportedModes: Mode[];
  mode: Mode | undefined;
  value: number;
  report: number;
  analogChannel: number;
  /** Level presented to the pin by the world (inputs) or written by the firmware (outputs). */
  level: number;
  lastReported: number | null;
  pending: TimerHandle | null;
  pull: 'up' | 'down' | 'none';
}

export type OutputListener = (value: number, mode: Mode | undefined) => void;

/** Raised for what the real plugin would refuse; johnny-five surfaces it to the caller. */
export class SimIOError extends Error {
  override readonly name = 'SimIOError';
  constructor(
    readonly code: 'E_PIN' | 'E_MODE_LOCKED' | 'E_PULLUP_UNSUPPORTED' | 'E_MODE_UNSUPPORTED',
    message: string,
  ) {
    super(message);
  }
}

export class SimIO extends EventEmitter {
  readonly name = 'SimIO';
  readonly isReady = true;
  readonly MODES = MODES;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly RESOLUTION = { ADC: 1023, DAC: null, PWM: 255 };
  readonly pins: PinRecord[] = [];
  readonly analogPins: number[] = [];
  readonly rules: SimIORules;
  /** Counts of what the firmware did, for tests and benchmarks. */
  readonly stats = { writes: 0, reports: 0 };
  private readonly clock: Clock;
  private readonly byName = new Map<string, number>();
  private readonly outputListeners = new Map<number, OutputListener[]>();
  private readonly readHandlers = new Map<number, ((value: number) => void)[]>();
  private readonly inputListeners = new Map<number, ((level: number) => void)[]>();

  constructor(options: SimIOOptions) {
    super();
    this.clock = options.clock;
    this.rules = { pollMs: 5, pullups: true, lockModes: true, ...options.rules };
    for (const name of options.digitalPins)
      this.addPin(name, [MODES.INPUT, MODES.OUTPUT, MODES.PWM, MODES.SERVO], 127);
    options.analogPins.forEach((name, channel) => {
      this.analogPins.push(this.addPin(name, [MODES.ANALOG], channel));
    });
  }

  private addPin(name: string, supportedModes: Mode[], analogChannel: number): number {
    const index = this.pins.length;
    this.pins.push({
      name,
      supportedModes,
      mode: undefined,
      value: 0,
      report: 0,
      analogChannel,
      level: 0,
      lastReported: null,
      pending: null,
      pull: 'none',
    });
    this.byName.set(name, index);
    return index;
  }

  // ---- firmware face: the IO plugin API ----

  normalize(pin: string | number): number {
    if (typeof pin === 'number' && this.pins[pin]) return pin;
    const index = this.byName.get(String(pin));
    if (index === undefined) throw new SimIOError('E_PIN', `no pin "${pin}" on this board`);
    return index;
  }

  pinMode(pin: number | string, mode: number): this {
    const p = this.pin(pin);
    if (mode === MODES.PULLUP) {
      this.setPull(p, 'up');
      mode = MODES.INPUT;
    }
    if (!p.supportedModes.includes(mode as Mode)) {
      throw new SimIOError('E_MODE_UNSUPPORTED', `pin ${p.name} does not support mode ${mode}`);
    }
    if (this.rules.lockModes && p.mode !== undefined && p.mode !== mode) {
      throw new SimIOError(
        'E_MODE_LOCKED',
        `pin ${p.name} is already in mode ${p.mode}; linux-io cannot change it`,
      );
    }
    p.mode = mode as Mode;
    return this;
  }

  digitalWrite(pin: number | string, value: number): this {
    const index = this.normalize(pin);
    const p = this.pins[index]!;
    if (p.mode === MODES.INPUT) {
      // Firmata convention, used by johnny-five's Switch and Button: writing to an input sets its pull.
      this.setPull(p, value ? 'up' : 'down');
      return this;
    }
    if (p.mode === undefined) p.mode = MODES.OUTPUT;
    this.writeOutput(index, value ? 1 : 0);
    return this;
  }

  analogWrite(pin: number | string, value: number): this {
    const index = this.normalize(pin);
    const p = this.pins[index]!;
    if (p.mode === undefined) p.mode = MODES.PWM;
    this.writeOutput(index, Math.max(0, Math.min(255, Math.round(value))));
    return this;
  }

  pwmWrite(pin: number | string, value: number): this {
    return this.analogWrite(pin, value);
  }

  servoConfig(pin: number | string): this {
    this.pinMode(pin, MODES.SERVO);
    return this;
  }

  servoWrite(pin: number | string, microseconds: number): this {
    const index = this.normalize(pin);
    const p = this.pins[index]!;
    if (p.mode === undefined) p.mode = MODES.SERVO;
    this.writeOutput(index, microseconds);
    return this;
  }

  digitalRead(pin: number | string, handler: (value: number) => void): this {
    this.addReader(this.normalize(pin), handler);
    return this;
  }

  analogRead(pin: number | string, handler: (value: number) => void): this {
    this.addReader(this.normalize(pin), handler);
    return this;
  }

  reportDigitalPin(): void {}
  reportAnalogPin(): void {}

  queryPinState(pin: number | string, callback: () => void): void {
    const p = this.pin(pin);
    p.value = p.level;
    callback();
  }

  queryCapabilities(callback: () => void): void {
    callback();
  }

  queryAnalogMapping(callback: () => void): void {
    callback();
  }

  // ---- backend face: what physics models use ----

  /** Index of a pin by its board name. */
  index(name: string | number): number {
    return this.normalize(name);
  }

  /** Present a level to an input pin, as the outside world would. Reported on the next poll. */
  setInput(pin: number, level: number): void {
    const p = this.pins[pin]!;
    if (p.level === level) return;
    p.level = level;
    p.value = level;
    this.scheduleReport(pin);
    for (const listener of this.inputListeners.get(pin) ?? []) listener(level);
  }

  /** Called at once whenever the world presents a new level to a pin (a bridge to another plugin's model). */
  onInput(pin: number, listener: (level: number) => void): void {
    this.inputListeners.set(pin, [...(this.inputListeners.get(pin) ?? []), listener]);
  }

  /** The level or value the firmware last wrote to a pin. */
  readOutput(pin: number): number {
    return this.pins[pin]!.level;
  }

  modeOf(pin: number): Mode | undefined {
    return this.pins[pin]!.mode;
  }

  pullOf(pin: number): 'up' | 'down' | 'none' {
    return this.pins[pin]!.pull;
  }

  /** Called on every write the firmware makes to a pin. */
  onOutput(pin: number, listener: OutputListener): void {
    const list = this.outputListeners.get(pin) ?? [];
    list.push(listener);
    this.outputListeners.set(pin, list);
  }

  /** Cancel pending reports; the plugin is dead after this. */
  close(): void {
    for (const p of this.pins) p.pending?.cancel();
    this.readHandlers.clear();
    this.outputListeners.clear();
    this.inputListeners.clear();
  }

  // ---- internals ----

  private pin(pin: number | string): PinRecord {
    return this.pins[this.normalize(pin)]!;
  }

  private setPull(p: PinRecord, pull: 'up' | 'down'): void {
    if (!this.rules.pullups) {
      throw new SimIOError(
        'E_PULLUP_UNSUPPORTED',
        `pin ${p.name}: this board cannot enable internal pull resistors`,
      );
    }
    p.pull = pull;
  }

  private writeOutput(index: number, value: number): void {
    const p = this.pins[index]!;
    this.stats.writes++;
    p.level = value;
    p.value = value;
    for (const listener of this.outputListeners.get(index) ?? []) listener(value, p.mode);
  }

  private addReader(index: number, handler: (value: number) => void): void {
    const list = this.readHandlers.get(index) ?? [];
    list.push(handler);
    this.readHandlers.set(index, list);
    const p = this.pins[index]!;
    p.report = 1;
    p.lastReported = null;
    this.scheduleReport(index);
  }

  /** Report at the next poll boundary, as a polling plugin would; bounces between samples are missed. */
  private scheduleReport(index: number): void {
    const p = this.pins[index]!;
    if (p.pending || !this.readHandlers.has(index)) return;
    const poll = this.rules.pollMs;
    const wait = poll - (this.clock.now() % poll) || poll;
    p.pending = this.clock.after(wait, () => {
      p.pending = null;
      if (p.lastReported === p.level) return;
      p.lastReported = p.level;
      this.stats.reports++;
      const analog = p.supportedModes.includes(MODES.ANALOG);
      this.emit(`${analog ? 'analog' : 'digital'}-read-${index}`, p.level);
      for (const handler of this.readHandlers.get(index) ?? []) handler(p.level);
    });
  }
}
