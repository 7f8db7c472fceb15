// A johnny-five IO plugin on the GPIO character device: digital lines through a GpiodBinding (edge
// events, kernel debounce, bias, active-low), PWM and servo through /sys/class/pwm, analog through IIO.
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { AnalogBackend, GpiodBinding, PwmBackend } from './binding.js';

export const MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4, PULLUP: 11 } as const;
type Mode = (typeof MODES)[keyof typeof MODES];

/** A board pin as a GPIO line: chip (device name like "gpiochip0", or its label) and offset. */
export interface LineSpec {
  chip: string;
  offset: number;
  /** Invert at the line (an inverting level shifter); device polarity stays in boards.json devices. */
  activeLow?: boolean;
}

export interface PwmSpec {
  chip: string;
  channel: number;
  /** Period for PWM (motor) writes; servos always use 20 ms. */
  periodNs?: number;
}

export interface GpiodIOOptions {
  binding: GpiodBinding;
  pwm: PwmBackend;
  analog: AnalogBackend;
  clock: Clock;
  lines: Record<string, LineSpec>;
  pwmChannels?: Record<string, PwmSpec>;
  analogInputs?: Record<string, string>;
  /** Kernel debounce per input pin, from the profile's debounceMs. */
  debounceMs?: Record<string, number>;
  analogPollMs?: number;
  consumer?: string;
}

/** What the plugin refuses, with the pin named; `cause` keeps the binding's errno error. */
export class GpiodIOError extends Error {
  override readonly name = 'GpiodIOError';
  constructor(
    readonly code: 'E_GPIO_PIN' | 'E_GPIO_CHIP' | 'E_GPIO_MODE' | 'E_GPIO_LINE' | 'E_GPIO_PWM',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface PinRecord {
  name: string;
  supportedModes: Mode[];
  mode: Mode | undefined;
  value: number;
  report: number;
  analogChannel: number;
  line: LineSpec | null;
  pwm: PwmSpec | null;
  analogPath: string | null;
  handle: number | null;
  pull: 'up' | 'down' | 'none';
  readers: ((value: number) => void)[];
  poll: TimerHandle | null;
}

const SERVO_PERIOD_NS = 20_000_000;
const DEFAULT_PWM_PERIOD_NS = 1_000_000; // 1 kHz: fine for an L298N-style H-bridge

export class GpiodIO extends EventEmitter {
  readonly name = 'GpiodIO';
  readonly isReady = true;
  readonly MODES = MODES;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly RESOLUTION = { ADC: 4095, DAC: null, PWM: 255 };
  readonly pins: PinRecord[] = [];
  readonly analogPins: number[] = [];
  private readonly byName = new Map<string, number>();
  private readonly chipPaths = new Map<string, string>();
  private readonly consumer: string;
  private closed = false;

  constructor(private readonly options: GpiodIOOptions) {
    super();
    this.consumer = options.consumer ?? 'lockd';
    const names = new Set([...Object.keys(options.lines), ...Object.keys(options.pwmChannels ?? {})]);
    for (const name of names) {
      const line = options.lines[name] ?? null;
      const pwm = options.pwmChannels?.[name] ?? null;
      const modes: Mode[] = [...(line ? [MODES.INPUT, MODES.OUTPUT] : []), ...(pwm ? [MODES.PWM, MODES.SERVO] : [])];
      this.addPin(name, modes, { line, pwm, analogPath: null });
    }
    for (const [name, path] of Object.entries(options.analogInputs ?? {})) {
      this.analogPins.push(this.addPin(name, [MODES.ANALOG], { line: null, pwm: null, analogPath: path }));
    }
    // Fail at start, not at the first write, when a chip named in the profile is absent.
    for (const spec of Object.values(options.lines)) this.chipPath(spec.chip);
  }

  private addPin(name: string, supportedModes: Mode[], parts: Pick<PinRecord, 'line' | 'pwm' | 'analogPath'>): number {
    const index = this.pins.length;
    this.pins.push({
      name, supportedModes, mode: undefined, value: 0, report: 0, analogChannel: parts.analogPath ? this.analogPins.length : 127,
      ...parts, handle: null, pull: 'none', readers: [], poll: null,
    });
    this.byName.set(name, index);
    return index;
  }

  // ---- the IO plugin API johnny-five calls ----

  normalize(pin: string | number): number {
    if (typeof pin === 'number' && this.pins[pin]) return pin;
    const index = this.byName.get(String(pin));
    if (index === undefined) throw new GpiodIOError('E_GPIO_PIN', `no pin "${pin}" in this board's io.lines, io.pwm or io.analog`);
    return index;
  }

  pinMode(pin: number | string, mode: number): this {
    const p = this.pin(pin);
    if (mode === MODES.PULLUP) {
      p.pull = 'up';
      mode = MODES.INPUT;
    }
    if (!p.supportedModes.includes(mode as Mode)) {
      const why = mode === MODES.PWM || mode === MODES.SERVO ? 'has no PWM channel in io.pwm' : 'does not support this mode';
      throw new GpiodIOError('E_GPIO_MODE', `pin ${p.name} ${why} (mode ${mode})`);
    }
    p.mode = mode as Mode;
    if (mode === MODES.INPUT || mode === MODES.OUTPUT) this.requestLine(p);
    return this;
  }

  digitalWrite(pin: number | string, value: number): this {
    const p = this.pin(pin);
    if (p.mode === MODES.INPUT) {
      // Firmata convention (johnny-five Switch, Button): writing to an input sets its pull resistor.
      const pull = value ? 'up' : 'down';
      if (p.pull !== pull) {
        p.pull = pull;
        this.requestLine(p);
      }
      return this;
    }
    if (p.mode === undefined) this.pinMode(pin, MODES.OUTPUT);
    p.value = value ? 1 : 0;
    this.call(p, 'set', () => this.options.binding.setValue(p.handle!, p.value));
    return this;
  }

  analogWrite(pin: number | string, value: number): this {
    const p = this.pin(pin);
    if (p.mode === undefined) this.pinMode(pin, MODES.PWM);
    p.value = Math.max(0, Math.min(255, Math.round(value)));
    const period = p.pwm!.periodNs ?? DEFAULT_PWM_PERIOD_NS;
    this.writePwm(p, period, Math.round((period * p.value) / 255), p.value > 0);
    return this;
  }

  pwmWrite(pin: number | string, value: number): this {
    return this.analogWrite(pin, value);
  }

  servoConfig(pin: number | string): this {
    return this.pinMode(pin, MODES.SERVO);
  }

  /** A pulse of `microseconds` every 20 ms; 0 stops the pulses (the servo goes limp). */
  servoWrite(pin: number | string, microseconds: number): this {
    const p = this.pin(pin);
    if (p.mode === undefined) this.pinMode(pin, MODES.SERVO);
    p.value = Math.max(0, Math.min(3000, Math.round(microseconds)));
    this.writePwm(p, SERVO_PERIOD_NS, p.value * 1000, p.value > 0);
    return this;
  }

  digitalRead(pin: number | string, handler: (value: number) => void): this {
    const p = this.pin(pin);
    if (p.mode === undefined) this.pinMode(pin, MODES.INPUT);
    p.readers.push(handler);
    p.report = 1;
    // The first reading goes out on the next timer turn, as a polling plugin's would; edges follow.
    this.options.clock.after(0, () => {
      if (this.closed || p.handle === null) return;
      this.call(p, 'read', () => this.report(p, this.options.binding.getValue(p.handle!)));
    });
    return this;
  }

  analogRead(pin: number | string, handler: (value: number) => void): this {
    const p = this.pin(pin);
    if (!p.analogPath) throw new GpiodIOError('E_GPIO_MODE', `pin ${p.name} is not an analog input in io.analog`);
    p.mode = MODES.ANALOG;
    p.readers.push(handler);
    if (!p.poll) {
      const sample = () => this.call(p, 'read', () => this.report(p, this.options.analog.read(p.analogPath!), true));
      this.options.clock.after(0, sample);
      p.poll = this.options.clock.every(this.options.analogPollMs ?? 1000, sample);
    }
    return this;
  }

  reportDigitalPin(): void {}
  reportAnalogPin(): void {}

  queryPinState(pin: number | string, callback: () => void): void {
    const p = this.pin(pin);
    if (p.handle !== null) p.value = this.options.binding.getValue(p.handle);
    callback();
  }

  queryCapabilities(callback: () => void): void {
    callback();
  }

  queryAnalogMapping(callback: () => void): void {
    callback();
  }

  /** Give every line back and stop the PWM outputs; the plugin is dead after this. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pins) {
      p.poll?.cancel();
      p.readers = [];
      if (p.handle !== null) this.options.binding.release(p.handle);
      p.handle = null;
      if (p.pwm && (p.mode === MODES.PWM || p.mode === MODES.SERVO)) {
        try {
          this.options.pwm.configure(p.pwm.chip, p.pwm.channel, p.pwm.periodNs ?? DEFAULT_PWM_PERIOD_NS, 0, false);
        } catch {
          // closing: nothing more to do for a channel that cannot be written
        }
      }
    }
  }

  // ---- internals ----

  private pin(pin: number | string): PinRecord {
    return this.pins[this.normalize(pin)]!;
  }

  /** A chip named by device name ("gpiochip4") or by label ("pinctrl-rp1"), found once. */
  private chipPath(chip: string): string {
    const known = this.chipPaths.get(chip);
    if (known) return known;
    const chips = this.options.binding.listChips();
    let path = chips.find((c) => c === `/dev/${chip}`);
    path ??= chips.find((c) => this.options.binding.chipInfo(c).label === chip);
    if (!path) {
      const seen = chips.map((c) => `${c} (${this.options.binding.chipInfo(c).label})`).join(', ') || 'none';
      throw new GpiodIOError('E_GPIO_CHIP', `no GPIO chip "${chip}" on this machine; chips: ${seen}`);
    }
    this.chipPaths.set(chip, path);
    return path;
  }

  /** (Re)request a line for the pin's mode and pull; inputs watch both edges. */
  private requestLine(p: PinRecord): void {
    const { binding } = this.options;
    const f = binding.flags;
    const line = p.line!;
    if (p.handle !== null) binding.release(p.handle);
    p.handle = null;
    let flags = line.activeLow ? f.ACTIVE_LOW : 0;
    let debounceUs = 0;
    if (p.mode === MODES.OUTPUT) flags |= f.OUTPUT;
    else {
      flags |= f.INPUT | f.EDGE_RISING | f.EDGE_FALLING;
      if (p.pull === 'up') flags |= f.BIAS_PULL_UP;
      if (p.pull === 'down') flags |= f.BIAS_PULL_DOWN;
      debounceUs = Math.round((this.options.debounceMs?.[p.name] ?? 0) * 1000);
    }
    const path = this.chipPath(line.chip);
    try {
      p.handle = binding.requestLine(path, line.offset, flags, debounceUs, p.value, this.consumer);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const hint = code === 'EBUSY' ? ' (another program holds it: see "gpioinfo")' : code === 'EACCES' ? ' (add the user to the gpio group)' : '';
      throw new GpiodIOError('E_GPIO_LINE', `pin ${p.name}: cannot request ${line.chip} line ${line.offset}${hint}: ${(error as Error).message}`, { cause: error });
    }
    if (p.mode === MODES.INPUT) {
      const handle = p.handle;
      binding.watch(handle, (rising) => {
        if (!this.closed && p.handle === handle) this.report(p, rising ? 1 : 0);
      });
      if (p.readers.length) this.report(p, binding.getValue(handle));
    }
  }

  private report(p: PinRecord, value: number, analog = false): void {
    p.value = value;
    this.emit(`${analog ? 'analog' : 'digital'}-read-${this.byName.get(p.name)}`, value);
    for (const reader of p.readers) reader(value);
  }

  private writePwm(p: PinRecord, periodNs: number, dutyNs: number, enabled: boolean): void {
    const pwm = p.pwm;
    if (!pwm) throw new GpiodIOError('E_GPIO_MODE', `pin ${p.name} has no PWM channel in io.pwm`);
    try {
      this.options.pwm.configure(pwm.chip, pwm.channel, periodNs, dutyNs, enabled);
    } catch (error) {
      throw new GpiodIOError('E_GPIO_PWM', `pin ${p.name}: ${pwm.chip} channel ${pwm.channel}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Binding errors after start are the board's faults: emitted as "error", never thrown into a timer. */
  private call(p: PinRecord, what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.emit('error', new GpiodIOError('E_GPIO_LINE', `pin ${p.name}: ${what} failed: ${(error as Error).message}`, { cause: error }));
    }
  }
}
