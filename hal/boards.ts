// boards.json: the schema of a board profile, loading, and validation that names the board and field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const pin = z.union([z.string().min(1), z.number().int().nonnegative()]);
const ms = (max: number) => z.number().int().nonnegative().max(max);

const digitalInput = z.strictObject({
  pin,
  /** true when the contact reads LOW while active (closed, pressed, bolt home). */
  activeLow: z.boolean(),
  /** `up`/`down` ask the board for an internal resistor; `none` means one is fitted on the carrier. */
  pull: z.enum(['up', 'down', 'none']),
  debounceMs: ms(1000),
});

const digitalOutput = z.strictObject({ pin, activeLow: z.boolean() });

const motorBolt = z.strictObject({
  kind: z.literal('motor'),
  pins: z.strictObject({ enable: pin, forward: pin, reverse: pin }),
  speed: z.number().int().min(1).max(255),
  travelTimeoutMs: ms(30_000).min(100),
  backoffMs: ms(5_000),
});

const servoBolt = z.strictObject({
  kind: z.literal('servo'),
  pin,
  lockedDeg: z.number().min(0).max(180),
  unlockedDeg: z.number().min(0).max(180),
  travelTimeoutMs: ms(30_000).min(100),
  backoffMs: ms(5_000),
});

const devices = z.strictObject({
  bolt: z.discriminatedUnion('kind', [motorBolt, servoBolt]),
  boltLockedSwitch: digitalInput,
  boltUnlockedSwitch: digitalInput,
  door: digitalInput,
  keypadRows: z.strictObject({ pins: z.array(pin).min(1).max(4), settleMs: ms(100).min(1) }).nullable(),
  keypadColumns: z
    .strictObject({ pins: z.array(pin).min(1).max(4), pull: z.enum(['up', 'none']) })
    .nullable(),
  keypadLayout: z.array(z.string().regex(/^[0-9*#A-D]+$/, 'keys must be 0-9, *, #, A-D')).nullable(),
  camera: digitalOutput.nullable(),
  cameraRecording: digitalInput.nullable(),
  tamper: digitalInput.nullable(),
  pairButton: digitalInput.nullable(),
  statusLed: digitalOutput.nullable(),
  buzzer: digitalOutput.nullable(),
  battery: z
    .strictObject({
      pin,
      emptyRaw: z.number().int().min(0),
      fullRaw: z.number().int().min(1),
      sampleMs: ms(3_600_000).min(100),
    })
    .nullable(),
});

const boardProfile = z.strictObject({
  description: z.string(),
  io: z.strictObject({ plugin: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
  features: z.strictObject({ pullups: z.boolean(), analogIn: z.boolean(), pwm: z.boolean() }),
  devices,
});

const boardsFile = z.strictObject({
  $comment: z.string().optional(),
  boards: z.record(z.string(), z.unknown()),
});

export type BoardProfile = z.infer<typeof boardProfile>;
export type BoardDevices = z.infer<typeof devices>;
export type DigitalInputConfig = z.infer<typeof digitalInput>;
export type DigitalOutputConfig = z.infer<typeof digitalOutput>;
export type BoltConfig = BoardDevices['bolt'];
export type PinName = z.infer<typeof pin>;

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

const fieldPath = (path: readonly PropertyKey[]): string =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');

/** Parse and validate the whole file; returns every profile or throws on the first bad one. */
export function parseBoards(raw: unknown, source = 'boards.json'): Map<string, BoardProfile> {
  const file = boardsFile.safeParse(raw);
  if (!file.success) {
    const issue = file.error.issues[0]!;
    const field = fieldPath(issue.path) || '(top level)';
    throw new BoardConfigError(`${source}: ${field}: ${issue.message}`, null, field, []);
  }
  const known = Object.keys(file.data.boards);
  const out = new Map<string, BoardProfile>();
  for (const name of known) {
    const parsed = boardProfile.safeParse(file.data.boards[name]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = fieldPath(issue.path) || '(profile)';
      throw new BoardConfigError(
        `${source}: board "${name}": ${field}: ${issue.message}`,
        name,
        field,
        known,
      );
    }
    const problem = checkConsistency(parsed.data);
    if (problem) {
      throw new BoardConfigError(
        `${source}: board "${name}": ${problem.field}: ${problem.message}`,
        name,
        problem.field,
        known,
      );
    }
    out.set(name, parsed.data);
  }
  return out;
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

/** Load boards.json from disk and pick one profile; unknown names list the known ones. */
export function loadBoard(path: string, name: string): BoardProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BoardConfigError(`${path}: cannot read or parse: ${(error as Error).message}`, null, null, []);
  }
  const boards = parseBoards(raw, path);
  const profile = boards.get(name);
  if (!profile) {
    const known = [...boards.keys()];
    throw new BoardConfigError(
      `unknown board "${name}"; known boards: ${known.join(', ')}`,
      name,
      null,
      known,
    );
  }
  return profile;
}
