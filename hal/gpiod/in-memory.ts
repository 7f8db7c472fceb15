// AN IN-MEMORY IMPLEMENTATION of the gpiod binding's interface (and of the PWM and analog
// backends), for tests: no kernel, no hardware. It keeps the kernel's rules that matter to the
// plugin: one owner per line, bias when nothing drives a line, active-low, edges, debounce.
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { AnalogBackend, ChipInfo, GpiodBinding, GpiodFlags, PwmBackend } from './binding.js';

/** Same values as the kernel's uAPI v2 flags. */
export const UAPI_FLAGS: GpiodFlags = {
  ACTIVE_LOW: 1 << 1, INPUT: 1 << 2, OUTPUT: 1 << 3, EDGE_RISING: 1 << 4, EDGE_FALLING: 1 << 5,
  BIAS_PULL_UP: 1 << 8, BIAS_PULL_DOWN: 1 << 9, BIAS_DISABLED: 1 << 10,
};

function errno(code: string, message: string): Error {
  return Object.assign(new Error(`${message}: ${code}`), { code });
}

interface MemoryLine {
  /** Level the outside world drives onto the pin; null when nothing drives it (bias decides). */
  driven: number | null;
  /** Physical level an output line drives. */
  out: number;
  request: { handle: number; flags: number; debounceUs: number; consumer: string } | null;
  onEdge: ((rising: boolean, timestampNs: number) => void) | null;
  /** Last logical value reported as an edge, and the pending debounce timer. */
  reported: number;
  settle: TimerHandle | null;
  outputListeners: ((level: number) => void)[];
}

interface MemoryChip {
  info: ChipInfo;
  lines: MemoryLine[];
}

export interface InMemoryChipSpec {
  name: string;
  label: string;
  lines: number;
}

export class InMemoryGpiodBinding implements GpiodBinding {
  readonly flags = UAPI_FLAGS;
  /** What the plugin asked of the kernel, for tests. */
  readonly stats = { requests: 0, releases: 0, sets: 0, edges: 0 };
  private readonly chips = new Map<string, MemoryChip>();
  private readonly handles = new Map<number, { chip: MemoryChip; offset: number }>();
  private nextHandle = 100;

  constructor(
    specs: InMemoryChipSpec[],
    private readonly clock: Clock,
  ) {
    for (const s of specs) {
      const lines = Array.from({ length: s.lines }, (): MemoryLine => ({
        driven: null, out: 0, request: null, onEdge: null, reported: 0, settle: null, outputListeners: [],
      }));
      this.chips.set(`/dev/${s.name}`, { info: { name: s.name, label: s.label, lines: s.lines }, lines });
    }
  }

  // ---- the binding's interface ----

  listChips(): string[] {
    return [...this.chips.keys()];
  }

  chipInfo(path: string): ChipInfo {
    return { ...this.chip(path).info };
  }

  requestLine(path: string, offset: number, flags: number, debounceUs: number, initial: number, consumer: string): number {
    const chip = this.chip(path);
    const line = chip.lines[offset];
    if (!line) throw errno('EINVAL', `request line: offset ${offset} out of range on ${chip.info.name}`);
    if (line.request) throw errno('EBUSY', `request line: ${chip.info.name} line ${offset} is used by ${line.request.consumer}`);
    const f = this.flags;
    if (Boolean(flags & f.INPUT) === Boolean(flags & f.OUTPUT)) throw errno('EINVAL', 'request line: exactly one of INPUT and OUTPUT');
    if ((flags & (f.EDGE_RISING | f.EDGE_FALLING)) && !(flags & f.INPUT)) throw errno('EINVAL', 'request line: edges need an input');
    if (debounceUs > 0 && !(flags & f.INPUT)) throw errno('EINVAL', 'request line: debounce needs an input');
    const handle = this.nextHandle++;
    line.request = { handle, flags, debounceUs, consumer };
    this.handles.set(handle, { chip, offset });
    this.stats.requests++;
    if (flags & f.OUTPUT) this.drive(line, this.physical(line, initial ? 1 : 0));
    line.reported = this.logical(line);
    return handle;
  }

  getValue(handle: number): number {
    const { line } = this.byHandle(handle);
    return line.request!.flags & this.flags.OUTPUT ? this.physical(line, line.out) : this.logical(line);
  }

  setValue(handle: number, value: number): void {
    const { line } = this.byHandle(handle);
    if (!(line.request!.flags & this.flags.OUTPUT)) throw errno('EPERM', 'set value: line is an input');
    this.stats.sets++;
    this.drive(line, this.physical(line, value ? 1 : 0));
  }

  watch(handle: number, onEdge: (rising: boolean, timestampNs: number) => void): void {
    const { line } = this.byHandle(handle);
    const f = this.flags;
    if (!(line.request!.flags & (f.EDGE_RISING | f.EDGE_FALLING))) throw errno('EINVAL', 'watch: line requested without edge detection');
    line.onEdge = onEdge;
  }

  release(handle: number): void {
    const { line } = this.byHandle(handle);
    line.settle?.cancel();
    line.settle = null;
    line.request = null;
    line.onEdge = null;
    this.handles.delete(handle);
    this.stats.releases++;
  }

  // ---- backend face: what a test (or a simulated world) does to the pins ----

  /** Drive a pin from outside (a switch closing to ground drives 0); null leaves it to the bias. */
  setLevel(chipName: string, offset: number, level: number | null): void {
    const line = this.line(chipName, offset);
    line.driven = level;
    this.inputChanged(line);
  }

  /** The physical level on a pin: what an output drives, else the outside world or the bias. */
  level(chipName: string, offset: number): number {
    const line = this.line(chipName, offset);
    return line.request && line.request.flags & this.flags.OUTPUT ? line.out : this.inputLevel(line);
  }

  /** Called with the physical level on every write to an output line. */
  onOutput(chipName: string, offset: number, listener: (level: number) => void): void {
    this.line(chipName, offset).outputListeners.push(listener);
  }

  /** How the line is requested now: direction, bias, polarity, debounce, or null when free. */
  lineState(chipName: string, offset: number) {
    const r = this.line(chipName, offset).request;
    if (!r) return null;
    const f = this.flags;
    const bias = r.flags & f.BIAS_PULL_UP ? 'pull-up' : r.flags & f.BIAS_PULL_DOWN ? 'pull-down' : r.flags & f.BIAS_DISABLED ? 'disabled' : 'as-is';
    return {
      direction: r.flags & f.OUTPUT ? 'output' : 'input',
      bias,
      activeLow: Boolean(r.flags & f.ACTIVE_LOW),
      edges: Boolean(r.flags & (f.EDGE_RISING | f.EDGE_FALLING)),
      debounceUs: r.debounceUs,
      consumer: r.consumer,
    } as const;
  }

  /** Number of lines requested now (a closed plugin leaves none). */
  get requested(): number {
    return this.handles.size;
  }

  // ---- internals ----

  private chip(path: string): MemoryChip {
    const chip = this.chips.get(path);
    if (!chip) throw errno('ENOENT', `${path}: no such chip`);
    return chip;
  }

  private line(chipName: string, offset: number): MemoryLine {
    const line = this.chip(`/dev/${chipName}`).lines[offset];
    if (!line) throw new RangeError(`${chipName} has no line ${offset}`);
    return line;
  }

  private byHandle(handle: number): { line: MemoryLine } {
    const h = this.handles.get(handle);
    if (!h) throw errno('EBADF', `line handle ${handle}`);
    return { line: h.chip.lines[h.offset]! };
  }

  private physical(line: MemoryLine, logical: number): number {
    return line.request && line.request.flags & this.flags.ACTIVE_LOW ? 1 - logical : logical;
  }

  private inputLevel(line: MemoryLine): number {
    if (line.driven !== null) return line.driven;
    const flags = line.request?.flags ?? 0;
    if (flags & this.flags.BIAS_PULL_UP) return 1;
    return 0; // pull-down, or a floating pin that happens to read low
  }

  private logical(line: MemoryLine): number {
    return this.physical(line, this.inputLevel(line));
  }

  private drive(line: MemoryLine, level: number): void {
    line.out = level;
    for (const listener of line.outputListeners) listener(level);
  }

  /** An input changed: report an edge now, or once it has been stable for the debounce period. */
  private inputChanged(line: MemoryLine): void {
    if (!line.request || !line.onEdge) return;
    const report = () => {
      line.settle = null;
      const value = this.logical(line);
      if (value === line.reported) return;
      const f = this.flags;
      const wanted = value ? f.EDGE_RISING : f.EDGE_FALLING;
      line.reported = value;
      if (!(line.request!.flags & wanted)) return;
      this.stats.edges++;
      line.onEdge!(value === 1, this.clock.now() * 1e6);
    };
    line.settle?.cancel();
    line.settle = null;
    const ms = line.request.debounceUs / 1000;
    if (ms > 0) line.settle = this.clock.after(ms, report);
    else report();
  }
}

/** AN IN-MEMORY /sys/class/pwm: remembers each channel's setting and tells listeners. */
export class InMemoryPwm implements PwmBackend {
  readonly channels = new Map<string, { periodNs: number; dutyNs: number; enabled: boolean }>();
  private readonly listeners: ((chip: string, channel: number, s: { periodNs: number; dutyNs: number; enabled: boolean }) => void)[] = [];

  constructor(private readonly chips: Record<string, number>) {}

  configure(chip: string, channel: number, periodNs: number, dutyNs: number, enabled: boolean): void {
    const count = this.chips[chip];
    if (count === undefined) throw errno('ENOENT', `/sys/class/pwm/${chip}: no such PWM chip`);
    if (channel >= count) throw errno('EINVAL', `${chip}: no channel ${channel}`);
    if (dutyNs > periodNs) throw errno('EINVAL', `${chip}/pwm${channel}: duty cycle longer than the period`);
    const s = { periodNs, dutyNs, enabled };
    this.channels.set(`${chip}/${channel}`, s);
    for (const l of this.listeners) l(chip, channel, s);
  }

  onChange(listener: (chip: string, channel: number, s: { periodNs: number; dutyNs: number; enabled: boolean }) => void): void {
    this.listeners.push(listener);
  }
}

/** AN IN-MEMORY IIO: each path reads from a function the test gives. */
export class InMemoryAnalog implements AnalogBackend {
  constructor(private readonly sources: Record<string, () => number>) {}
  read(path: string): number {
    const source = this.sources[path];
    if (!source) throw errno('ENOENT', `${path}: no such file`);
    return source();
  }
}
