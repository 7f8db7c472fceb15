// The lock's own settings (not the board's wiring): relock and alarm timings, boot and shutdown
// behaviour. Validated at load; a bad file names the field.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { isValidTimeZone } from './access/schedule.js';

/** A lock id: part of MQTT topics and Home Assistant object ids, so `.`, `/`, `+`, `#` are refused. */
export const LOCK_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ms = v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(3_600_000));
const hexKey = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (a 32-byte key)'));

/** Set at pairing (issue 7); until then written by hand. Without it the lock runs unpaired: no access at the door. */
const accessConfig = v.strictObject({
  lockId: v.pipe(v.string(), v.regex(LOCK_ID, 'must be 1-64 letters, digits, "_" or "-" (it is part of MQTT topics)')),
  timeZone: v.pipe(v.string(), v.check(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin')),
  ownerKeys: v.pipe(v.array(hexKey), v.minLength(1), v.maxLength(8)),
  /** The lock's state directory (0700): journal, snapshots. */
  stateDir: v.pipe(v.string(), v.minLength(1)),
  /** File holding the keypad secret as 64 hex digits (0600); absent: keypad codes are refused. */
  keypadSecretFile: v.optional(v.pipe(v.string(), v.minLength(1))),
  provider: v.optional(v.picklist(['sodium', 'node', 'tweetnacl']), 'sodium'),
});

const outboxCap = v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(1_000_000));
/** Bytes of undelivered events kept at most (default 16 MiB; the outbox file stays under about twice this plus 1 MiB). */
const outboxBytes = v.pipe(v.number(), v.integer(), v.minValue(65_536), v.maxValue(1_073_741_824));
/** Home Assistant discovery and commands; on unless `enabled: false`. Unlock needs a PIN unless `unlockNeedsCode: false`. */
const homeAssistant = v.strictObject({ enabled: v.optional(v.boolean()), unlockNeedsCode: v.optional(v.boolean()), name: v.optional(v.string()), modeControl: v.optional(v.boolean()) });

/** The owner's broker; needs `access` (the lock id is the client id). Secrets come from files. */
const mqttConfig = v.strictObject({
  url: v.pipe(v.string(), v.regex(/^mqtts?:\/\//, 'must start with mqtt:// or mqtts://')),
  username: v.optional(v.string()),
  passwordFile: v.optional(v.string()),
  caFile: v.optional(v.string()),
  certFile: v.optional(v.string()),
  keyFile: v.optional(v.string()),
  protocolVersion: v.optional(v.picklist([4, 5]), 5),
  outboxCap: v.optional(outboxCap, 50_000),
  outboxBytes: v.optional(outboxBytes),
  homeAssistant: v.optional(homeAssistant),
});

const roles = v.picklist(['owner', 'resident', 'guest', 'service', 'delivery']);

/** Supervised visits (deliveries): camera first, relock deadline. */
const deliveryConfig = v.strictObject({
  /** Roles whose every access waits for the camera to record (grants can ask for it too). */
  recordRoles: v.optional(v.array(roles), ['delivery']),
  /** How long the camera has to confirm recording before the access is refused. */
  cameraConfirmMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(60_000)), 5_000),
  /** Recording continues this long after the bolt is thrown again. */
  postRollMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000)), 15_000),
  /** Relock deadline for delivery-role access whose grant names none (seconds). */
  relockWithinS: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(86_400)), 300),
  /** During a visit, throw the bolt this long after the door shuts. */
  relockAfterCloseMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(500), v.maxValue(600_000)), 3_000),
  /** During a visit, throw it again this long after an unlock when nobody opened the door. */
  relockIfUnopenedMs: v.optional(ms, 20_000),
});

/** The installer's serial line (issue 7): where, how fast, and the physical-presence timings. */
const pairingConfig = v.strictObject({
  /** The serial device the installer's cable is on, such as /dev/ttyS0 or /dev/ttyGS0. */
  port: v.pipe(v.string(), v.minLength(1)),
  baudRate: v.optional(v.picklist([9600, 19200, 38400, 57600, 115200, 230400]), 115200),
  /** After a press of the pair button (or a pairing), changes are accepted this long. */
  windowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10_000), v.maxValue(900_000)), 120_000),
  /** A factory reset needs the button held at least this long. */
  factoryResetHoldMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1_000), v.maxValue(60_000)), 5_000),
  /** An unfinished frame is dropped after this much silence. */
  idleTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(60_000)), 5_000),
  /** The lock's own settings for the broker connection pairing sets up (the connection itself comes from pairing). */
  mqtt: v.optional(v.strictObject({ homeAssistant: v.optional(homeAssistant), outboxCap: v.optional(outboxCap), outboxBytes: v.optional(outboxBytes) })),
});

/** Keypad code entry and the guess budget of each channel (keypad, Home Assistant, barcode). */
const keypadConfig = v.strictObject({
  lockout: v.optional(
    v.strictObject({
      /** Wrong codes within the window that disable the channel. */
      wrongCodeLimit: v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(6)),
      /** The sliding window wrong codes are counted in. */
      windowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60_000), v.maxValue(7 * 86_400_000)), 3_600_000),
      /** The first disable time; it doubles with each further lockout. */
      disableMs: v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(86_400_000)),
      maxDisableMs: v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(86_400_000)),
      /** Quiet time after which the lockout steps down one doubling. */
      forgetMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(3_600_000), v.maxValue(30 * 86_400_000)), 86_400_000),
    }),
  ),
});

/** What pairing writes in the state directory (paired/config.json): the same sections, the same rules. */
const pairedSections = v.strictObject({ access: accessConfig, mqtt: v.optional(mqttConfig) });
export type PairedSections = v.InferOutput<typeof pairedSections>;

const lockConfig = v.strictObject({
  /** The lock's own state directory (0700): device key, what pairing wrote, the clock correction. */
  stateDir: v.optional(v.pipe(v.string(), v.minLength(1))),
  pairing: v.optional(pairingConfig),
  autoRelockMs: v.optional(v.nullable(ms), 30_000),
  doorAjarMs: v.optional(ms, 60_000),
  bootAction: v.optional(v.picklist(['lock-if-closed', 'none']), 'lock-if-closed'),
  shutdownPosition: v.optional(v.picklist(['locked', 'as-is']), 'locked'),
  logLevel: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  delivery: v.optional(deliveryConfig, {}),
  keypad: v.optional(keypadConfig),
  access: v.optional(accessConfig),
  mqtt: v.optional(mqttConfig),
  /**
   * Revocation entries (grant ids, holder and issuer keys) the lock holds at most; a longer list is
   * refused from its length. Default 32,000 (a list of keys then fits a 1 MiB MQTT packet). A
   * property of the board (its memory), so it survives pairing; above the default the MQTT link
   * accepts packets as large as such a list (the broker's message_size_limit must allow them too).
   */
  maxRevocationEntries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1_000), v.maxValue(1_000_000))),
});

export type LockConfig = v.InferOutput<typeof lockConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'E_CONFIG';
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

/** Name the first problem's field: `config: access.lockId: must be ...`. */
function refusal(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]], source: string): ConfigError {
  const issue = issues[0];
  const field = (issue.path ?? []).map((item) => String(item.key)).join('.') || '(top level)';
  return new ConfigError(`${source}: ${field}: ${issue.message}`, field);
}

/** Validate what pairing wrote (paired/config.json) with the file config's own rules. */
export function parsePairedSections(raw: unknown, source: string): PairedSections {
  const parsed = v.safeParse(pairedSections, raw);
  if (!parsed.success) throw refusal(parsed.issues, source);
  return parsed.output;
}

export function parseLockConfig(raw: unknown, source = 'config'): LockConfig {
  const parsed = v.safeParse(lockConfig, raw ?? {});
  if (parsed.success) {
    if (parsed.output.mqtt && !parsed.output.access) throw new ConfigError(`${source}: mqtt: needs the access section (the lock id is the client id)`, 'mqtt');
    if (parsed.output.pairing && !parsed.output.stateDir) throw new ConfigError(`${source}: pairing: needs stateDir (where the device key and the pairing are kept)`, 'pairing');
    return parsed.output;
  }
  throw refusal(parsed.issues, source);
}

export function loadLockConfig(path: string | null): LockConfig {
  if (path === null) return parseLockConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot read or parse: ${(error as Error).message}`, null);
  }
  return parseLockConfig(raw, path);
}
