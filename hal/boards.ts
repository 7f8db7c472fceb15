// boards.json: the schema of a board profile, loading, and validation that names the board and field.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';

const pin = v.union([v.pipe(v.string(), v.minLength(1)), v.pipe(v.number(), v.integer(), v.minValue(0))]);
const ms = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

const digitalInput = v.strictObject({
  pin,
  /** true when the contact reads LOW while active (closed, pressed, bolt home). */
  activeLow: v.boolean(),
  /** `up`/`down` ask the board for an internal resistor; `none` means one is fitted on the carrier. */
  pull: v.picklist(['up', 'down', 'none']),
  debounceMs: ms(0, 1000),
});

const digitalOutput = v.strictObject({ pin, activeLow: v.boolean() });

const motorBolt = v.strictObject({
  kind: v.literal('motor'),
  pins: v.strictObject({ enable: pin, forward: pin, reverse: pin }),
  speed: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(255)),
  travelTimeoutMs: ms(100, 30_000),
  backoffMs: ms(0, 5_000),
});

const servoBolt = v.strictObject({
  kind: v.literal('servo'),
  pin,
  lockedDeg: v.pipe(v.number(), v.minValue(0), v.maxValue(180)),
  unlockedDeg: v.pipe(v.number(), v.minValue(0), v.maxValue(180)),
  travelTimeoutMs: ms(100, 30_000),
  backoffMs: ms(0, 5_000),
});

const pinList = v.pipe(v.array(pin), v.minLength(1), v.maxLength(4));

const devices = v.strictObject({
  bolt: v.variant('kind', [motorBolt, servoBolt]),
  boltLockedSwitch: digitalInput,
  boltUnlockedSwitch: digitalInput,
  door: digitalInput,
  keypadRows: v.nullable(v.strictObject({ pins: pinList, settleMs: ms(1, 100) })),
  keypadColumns: v.nullable(v.strictObject({ pins: pinList, pull: v.picklist(['up', 'none']) })),
  keypadLayout: v.nullable(
    v.array(v.pipe(v.string(), v.regex(/^[0-9*#A-D]+$/, 'keys must be 0-9, *, #, A-D'))),
  ),
  camera: v.nullable(digitalOutput),
  cameraRecording: v.nullable(digitalInput),
  tamper: v.nullable(digitalInput),
  pairButton: v.nullable(digitalInput),
  statusLed: v.nullable(digitalOutput),
  buzzer: v.nullable(digitalOutput),
  battery: v.nullable(
    v.strictObject({
      pin,
      emptyRaw: v.pipe(v.number(), v.integer(), v.minValue(0)),
      fullRaw: v.pipe(v.number(), v.integer(), v.minValue(1)),
      sampleMs: ms(100, 3_600_000),
    }),
  ),
  /** A barcode scanner on a serial line (parcel boxes): one scan per line of text. On the sim plugin the simulator provides it. */
  barcode: v.optional(
    v.nullable(
      v.strictObject({
        path: v.pipe(v.string(), v.minLength(1)),
        baudRate: v.optional(v.picklist([9600, 19200, 38400, 57600, 115200]), 9600),
      }),
    ),
    null,
  ),
});

const name = v.pipe(v.string(), v.minLength(1));
const offset = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(511));
/** A board pin as a GPIO character-device line: an offset on `io.chip`, or a chip (device name or label) and offset. */
const lineSpec = v.union([offset, v.strictObject({ chip: name, offset, activeLow: v.optional(v.boolean()) })]);
const pwmSpec = v.strictObject({
  chip: v.pipe(v.string(), v.regex(/^pwmchip\d+$/, 'must be a /sys/class/pwm chip like "pwmchip0"')),
  channel: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(15)),
  periodNs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1_000), v.maxValue(100_000_000))),
});

const boardProfile = v.strictObject({
  description: v.string(),
  io: v.strictObject({
    plugin: v.pipe(v.string(), v.minLength(1)),
    options: v.optional(v.record(v.string(), v.unknown())),
    /** gpiod plugin: the default GPIO chip (device name like "gpiochip0", or its label like "pinctrl-rp1"). */
    chip: v.optional(name),
    /** gpiod plugin: board pin name -> line. */
    lines: v.optional(v.record(v.string(), lineSpec)),
    /** gpiod plugin: board pin name -> kernel PWM channel, for a motor's enable pin or a servo. */
    pwm: v.optional(v.record(v.string(), pwmSpec)),
    /** gpiod plugin: board pin name -> IIO raw-value file, for the battery gauge. */
    analog: v.optional(v.record(v.string(), v.pipe(v.string(), v.startsWith('/sys/')))),
  }),
  features: v.strictObject({ pullups: v.boolean(), analogIn: v.boolean(), pwm: v.boolean() }),
  /** What the lock closes: a front door (deadbolt, door contact) or a parcel box (latch, lid contact). */
  enclosure: v.optional(v.picklist(['door', 'parcel-box']), 'door'),
  devices,
});

const boardsFile = v.strictObject({
  $comment: v.optional(v.string()),
  boards: v.record(v.string(), v.unknown()),
});

export type BoardProfile = v.InferOutput<typeof boardProfile>;
export type BoardDevices = v.InferOutput<typeof devices>;
export type DigitalInputConfig = v.InferOutput<typeof digitalInput>;
export type DigitalOutputConfig = v.InferOutput<typeof digitalOutput>;
export type BoltConfig = BoardDevices['bolt'];
export type PinName = v.InferOutput<typeof pin>;
export type LineSpecConfig = v.InferOutput<typeof lineSpec>;

/** A boards.json problem. `board` and `field` say where; `known` lists the valid board names. */
export class BoardConfigError extends Error {
  override readonly name = 'BoardConfigError';
  readonly code = 'E_BOARD_CONFIG';
  constructor(
    message: string,
    readonly board: string | null,
    readonly field: string | null,
    readonly known: readonly string[],
  ) {
    super(message);
  }
}

/** "devices.keypadRows.pins[2]" for an issue, from the keys along its path. */
function fieldPath(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key as PropertyKey);
  return keys
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
}

/** Parse and validate the whole file; returns every profile or throws on the first bad one. */
export function parseBoards(raw: unknown, source = 'boards.json'): Map<string, BoardProfile> {
  const boards = parseFile(raw, source);
  const known = Object.keys(boards);
  return new Map(known.map((name) => [name, parseProfile(boards, name, known, source)]));
}

/** The file's shape: the profiles by name, each still to be validated. */
function parseFile(raw: unknown, source: string): Record<string, unknown> {
  const file = v.safeParse(boardsFile, raw);
  if (!file.success) {
    const issue = file.issues[0];
    const field = fieldPath(issue) || '(top level)';
    throw new BoardConfigError(`${source}: ${field}: ${issue.message}`, null, field, []);
  }
  return file.output.boards;
}

/** One profile validated: the schema, then the rules a schema cannot say. */
function parseProfile(boards: Record<string, unknown>, name: string, known: string[], source: string): BoardProfile {
  const parsed = v.safeParse(boardProfile, boards[name]);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const field = fieldPath(issue) || '(profile)';
    throw new BoardConfigError(`${source}: board "${name}": ${field}: ${issue.message}`, name, field, known);
  }
  const problem = checkConsistency(parsed.output);
  if (problem) throw new BoardConfigError(`${source}: board "${name}": ${problem.field}: ${problem.message}`, name, problem.field, known);
  return parsed.output;
}

/** Rules a schema cannot say: one role per pin, features the wiring needs, keypad shape. */
function checkConsistency(profile: BoardProfile): { field: string; message: string } | null {
  const d = profile.devices;
  const seen = new Map<string, string>();
  for (const [field, value] of pinsOf(d)) {
    const key = String(value);
    const other = seen.get(key);
    if (other) return { field, message: `pin ${key} is already used by ${other}` };
    seen.set(key, field);
  }
  if (!profile.features.pullups) {
    for (const [role, input] of inputsOf(d)) {
      if (input.pull !== 'none') {
        return {
          field: `devices.${role}.pull`,
          message: `"${input.pull}" needs internal pull resistors, which this board lacks: fit one and say "none"`,
        };
      }
    }
  }
  if (d.battery && !profile.features.analogIn) {
    return { field: 'devices.battery', message: 'this board has no analog input; set battery to null' };
  }
  if (d.bolt.kind === 'motor' && !profile.features.pwm) {
    return { field: 'devices.bolt.pins.enable', message: 'a motor bolt needs a PWM pin' };
  }
  const rows = d.keypadRows?.pins.length ?? 0;
  const cols = d.keypadColumns?.pins.length ?? 0;
  const layout = d.keypadLayout;
  if ((rows === 0) !== (cols === 0) || (rows === 0) !== (layout === null)) {
    return {
      field: 'devices.keypadRows',
      message: 'keypadRows, keypadColumns and keypadLayout are all given or all null',
    };
  }
  if (layout && (layout.length !== rows || layout.some((r) => r.length !== cols))) {
    return { field: 'devices.keypadLayout', message: `must be ${rows} rows of ${cols} keys` };
  }
  if (d.battery && d.battery.fullRaw <= d.battery.emptyRaw) {
    return { field: 'devices.battery.fullRaw', message: 'must be greater than emptyRaw' };
  }
  return profile.io.plugin === 'gpiod' ? checkGpiodWiring(profile) : null;
}

/** The gpiod plugin needs every pin mapped: digital pins to lines, PWM pins to channels, the gauge to IIO. */
function checkGpiodWiring(profile: BoardProfile): { field: string; message: string } | null {
  const io = profile.io;
  const lines = io.lines ?? {};
  for (const [key, spec] of Object.entries(lines)) {
    if (typeof spec === 'number' && !io.chip) return { field: `io.lines.${key}`, message: 'a bare offset needs io.chip' };
  }
  const d = profile.devices;
  const pwmPins = new Set((d.bolt.kind === 'motor' ? [d.bolt.pins.enable] : [d.bolt.pin]).map(String));
  for (const [field, value] of pinsOf(d)) {
    const key = String(value);
    if (d.battery && key === String(d.battery.pin)) {
      if (!io.analog?.[key]) return { field: 'io.analog', message: `battery pin ${key} needs an IIO file in io.analog` };
    } else if (pwmPins.has(key)) {
      if (!io.pwm?.[key]) return { field: 'io.pwm', message: `${field} (${key}) needs a PWM channel in io.pwm` };
    } else if (lines[key] === undefined) {
      return { field: 'io.lines', message: `${field} (${key}) needs a line in io.lines` };
    }
  }
  return null;
}

function* pinsOf(d: BoardDevices): Generator<[string, PinName]> {
  if (d.bolt.kind === 'motor') {
    for (const [k, v] of Object.entries(d.bolt.pins)) yield [`devices.bolt.pins.${k}`, v];
  } else {
    yield ['devices.bolt.pin', d.bolt.pin];
  }
  for (const [role, value] of Object.entries(d)) {
    if (value && typeof value === 'object' && 'pin' in value && role !== 'bolt')
      yield [`devices.${role}.pin`, value.pin as PinName];
    if (value && typeof value === 'object' && 'pins' in value && role !== 'bolt') {
      for (const [i, p] of (value.pins as PinName[]).entries()) yield [`devices.${role}.pins[${i}]`, p];
    }
  }
}

function* inputsOf(d: BoardDevices): Generator<[string, { pull: string }]> {
  for (const role of [
    'boltLockedSwitch',
    'boltUnlockedSwitch',
    'door',
    'cameraRecording',
    'tamper',
    'pairButton',
  ] as const) {
    const input = d[role];
    if (input) yield [role, input];
  }
  if (d.keypadColumns) yield ['keypadColumns', d.keypadColumns];
}

/**
 * Load boards.json from disk and pick one profile; unknown names list the known ones. The file's
 * shape and the chosen profile are validated (a boot does not pay for the others: `parseBoards`
 * validates every profile, as the tests do for the shipped file).
 */
export function loadBoard(path: string, name: string): BoardProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BoardConfigError(`${path}: cannot read or parse: ${(error as Error).message}`, null, null, []);
  }
  const boards = parseFile(raw, path);
  const known = Object.keys(boards);
  if (!Object.hasOwn(boards, name)) throw new BoardConfigError(`unknown board "${name}"; known boards: ${known.join(', ')}`, name, null, known);
  return parseProfile(boards, name, known, path);
}
