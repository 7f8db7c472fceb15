// lockctl: the owner's and installer's command line. Makes keys, grants, delegations, revocation
// lists, heartbeats, commands and presentations, and reads any of them back (`inspect`).
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, decodeScanned, scanCbor } from '../firmware/access/cbor.js';
import { decodeSign1 } from '../firmware/access/cose.js';
import { LABEL_MAX_BYTES, parseClaims, ROLES } from '../firmware/access/grant.js';
import { normalizeTracking, OFFLINE_CLASSES, offlineCode, PIN_MAX, PIN_MIN, pinDigest, TRACKING_MAX, trackingDigest } from '../firmware/keypad/codes.js';
import { FIRMWARE_VERSION } from '../firmware/version.js';
import { hexBytes, readKey, readSecretFile, role, roles, time, uint, UsageError, window } from './lib/args.js';
import { inspect } from './lib/inspect.js';
import { checkValidity, FileError, mergedStreams, processStreams, readInput, RefusedError, type Streams, userPath, writeOutput } from './lib/io.js';
import { INSTALLER_COMMANDS, runInstaller } from './lib/installer.js';
import { keyFromSeed, mintCommand, mintGrant, mintHeartbeat, mintRevocations, present } from './lib/mint.js';

const HELP = `lockctl <command> [options]

  keygen     --out FILE                       new Ed25519 key (seed file, mode 0600); prints the public key
  pubkey     --key FILE                       print a key file's public key
  grant      --key OWNER.key --lock ID --role ${ROLES.join('|')} (--holder PUBHEX | --pin-digest HEX... |
             --tracking TEXT... --secret-file F | --tracking-digest HEX...)
             [--sub NAME] [--from T] [--until T] [--schedule "Mon-Fri 09:00-17:00"]... [--uses N]
             [--record] [--relock-within S] [--id HEX] [--label TEXT] [--out FILE]
  delegate   --key OWNER.key --lock ID --to PUBHEX --roles delivery[,guest...] [--uses N] [--depth 0-2]
             [--from T] [--until T] [--schedule ...]... [--record] [--relock-within S] [--out FILE]
  revoke     --key OWNER.key --lock ID --seq N [--grant IDHEX]... [--holder PUBHEX]... [--issuer PUBHEX]... [--out FILE]
  heartbeat  --key OWNER.key --lock ID --seq N [--time T] [--out FILE]
  command    --key OWNER.key --lock ID --action lock|unlock|set-mode|acknowledge-damage|reset-lockout [--mode NAME] [--valid S] [--out FILE]
  code       --secret-file F --lock ID --class 0-7 [--from T]   an offline keypad code (classes: docs/PROTOCOL.md §9)
  pin-digest --secret-file F --pin DIGITS                      the keyed digest to put in a PIN grant (--pin-digest)
  tracking-digest --secret-file F --tracking TEXT            a parcel's keyed digest, for a carrier's parcel-box grant
  present    --key HOLDER.key --lock ID --challenge HEX --chain A.cose[,B.cose...] [--out FILE]
  inspect    (FILE | --hex HEX) [--lock ID] [--owner PUBHEX]... [--tz ZONE] [--at T] [--device-key PUBHEX]
             any message: grants, chains, lists, heartbeats, commands, events, attestations, serial frames
  watch      --url mqtt[s]://HOST:PORT --lock ID [--device-key PUBHEX] [--mqtt-user U --mqtt-password-file F]
             [--mqtt-ca CA.pem] [--mqtt-version 4|5] [--session CLIENT-ID] [--count N] [--json]
             follow the lock's signed events: one line each, gaps flagged (exit 3 on a gap or a bad event,
             1 when the broker refuses the connection; the simulator's broker needs --mqtt-version 4)

 installer, over the lock's serial line ([--port /dev/ttyUSB0] [--baud 115200]):
  info       who the lock is: paired or not, board, firmware, device key [--json]
  pair       --lock ID --tz ZONE (--owner PUBHEX... | --key OWNER.key) --secret-file F [--time T]
             [--mqtt-url URL [--mqtt-user U] [--mqtt-password-file F] [--mqtt-ca CA.pem] [--mqtt-version 4|5]]
             [--out DEVICE.json]   (a paired lock: press its pair button first)
  set-time   [--time T]            set the lock's clock (a paired lock: press its pair button first)
  self-test  [--keypad] [--json]   cycle the bolt, read every sensor, start the camera
  factory-reset                    hold the pair button down (5 s) and keep holding while this runs

  T is an ISO date-time (2026-06-01T09:00:00Z), "now", or "+30m"/"+2h"/"+7d". An --until that is
  not after --from, or already past, is refused unless --force.
  Without --out, messages are printed as hex; "-" as a file is stdin (inputs) or stdout (--out).
  Results go to stdout (--json: one JSON document), progress and errors to stderr. Relative paths
  are from the directory you ran lockctl in (also under npm run).
  Exit codes: 0 done, 1 a file or the line failed, 2 usage, 3 a lock would refuse it (inspect) or
  the self-test failed, 4 the lock refused (press its pair button), 5 inspect needs --tz/--owner/--chain.
  --version prints the version.`;

const options = {
  out: { type: 'string' }, key: { type: 'string' }, lock: { type: 'string' }, role: { type: 'string' }, holder: { type: 'string' },
  'pin-digest': { type: 'string', multiple: true }, tracking: { type: 'string', multiple: true }, 'tracking-digest': { type: 'string', multiple: true }, sub: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' },
  schedule: { type: 'string', multiple: true }, uses: { type: 'string' }, record: { type: 'boolean' }, 'relock-within': { type: 'string' },
  id: { type: 'string' }, to: { type: 'string' }, roles: { type: 'string' }, depth: { type: 'string' }, seq: { type: 'string' },
  grant: { type: 'string', multiple: true }, issuer: { type: 'string', multiple: true }, time: { type: 'string' }, action: { type: 'string' },
  mode: { type: 'string' }, valid: { type: 'string' }, challenge: { type: 'string' }, chain: { type: 'string' }, hex: { type: 'string' },
  port: { type: 'string' }, baud: { type: 'string' }, 'mqtt-url': { type: 'string' }, 'mqtt-user': { type: 'string' },
  'mqtt-password-file': { type: 'string' }, 'mqtt-ca': { type: 'string' }, 'mqtt-version': { type: 'string' }, keypad: { type: 'boolean' }, json: { type: 'boolean' },
  url: { type: 'string' }, 'device-key': { type: 'string' }, session: { type: 'string' }, count: { type: 'string' },
  label: { type: 'string' }, owner: { type: 'string', multiple: true }, 'secret-file': { type: 'string' }, class: { type: 'string' }, pin: { type: 'string' }, tz: { type: 'string' }, at: { type: 'string' }, help: { type: 'boolean' },
  version: { type: 'boolean' }, force: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** What a command produced: text for a person, the same as JSON for --json, and the exit code. */
export interface Outcome {
  text: string;
  json: unknown;
  code: number;
}

/** The message commands, as text (the tests' entry): progress to `io.err` (by default dropped). Throws UsageError. */
export function run(argv: string[], now = Date.now(), io: Streams = { ...processStreams, err: () => {} }): string {
  return execute(argv, now, io).text;
}

export function execute(argv: string[], now = Date.now(), io: Streams = processStreams): Outcome {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) return done(`lockctl ${FIRMWARE_VERSION}`, { version: FIRMWARE_VERSION });
  if (!command || values.help) return done(HELP, { help: HELP });
  if (values.json && values.out === '-') throw new UsageError('--json and --out - both want stdout: choose one');
  const lock = () => {
    if (!values.lock) throw new UsageError('--lock is required: the lock id the message is for');
    return values.lock;
  };
  const emit = (bytes: Uint8Array): Outcome => {
    if (values.out) {
      const note = writeOutput(userPath(values.out), bytes, '--out', { io });
      if (values.out !== '-') io.err(note);
      return { text: values.out === '-' ? '' : note, json: { file: userPath(values.out), bytes: bytes.length }, code: 0 };
    }
    const hex = Buffer.from(bytes).toString('hex');
    return done(hex, { hex });
  };
  switch (command) {
    case 'keygen': {
      if (!values.out) throw new UsageError('keygen needs --out FILE for the new key ("-" prints it)');
      const seed = randomBytes(32);
      const publicKey = Buffer.from(keyFromSeed(seed).publicKey).toString('hex');
      const file = userPath(values.out);
      writeOutput(file, `${seed.toString('hex')}\n`, 'keygen --out', { exclusive: true, mode: 0o600, io });
      if (values.out === '-') {
        io.err(`public key ${publicKey}`);
        return { text: '', json: null, code: 0 };
      }
      io.err(`key written to ${file} (keep it secret)`);
      return done(`public key ${publicKey}`, { file, publicKey });
    }
    case 'pubkey': {
      const publicKey = Buffer.from(readKey(values.key, '--key', io).publicKey).toString('hex');
      return done(publicKey, { publicKey });
    }
    case 'grant':
      return emit(grant(values, lock(), now, io));
    case 'delegate': {
      if (!values.to) throw new UsageError('delegate needs --to PUBHEX: the issuer key being delegated to');
      return emit(
        mintGrant(readKey(values.key, '--key', io), {
          ...common(values, lock(), now),
          holderKey: hexBytes(values.to, '--to', 32),
          delegation: { roles: roles(values.roles), maxUses: uint(values.uses, '--uses', 1, 1_000_000), maxDepth: uint(values.depth, '--depth', 0, 2) ?? 0 },
        }),
      );
    }
    case 'revoke':
      return emit(
        mintRevocations(readKey(values.key, '--key', io), {
          seq: required(uint(values.seq, '--seq', 0, 0xffffffff), '--seq'),
          aud: lock(),
          iat: Math.floor(now / 1000),
          grants: (values.grant ?? []).map((g) => hexBytes(g, '--grant', 16)),
          holders: (values.holder ? [values.holder] : []).map((h) => hexBytes(h, '--holder', 32)),
          issuers: (values.issuer ?? []).map((k) => hexBytes(k, '--issuer', 32)),
        }),
      );
    case 'heartbeat':
      return emit(mintHeartbeat(readKey(values.key, '--key', io), { time: time(values.time ?? 'now', '--time', now)!, seq: required(uint(values.seq, '--seq', 0, 0xffffffff), '--seq'), aud: lock() }));
    case 'command': {
      const action = values.action;
      if (action !== 'lock' && action !== 'unlock' && action !== 'set-mode' && action !== 'acknowledge-damage' && action !== 'reset-lockout') throw new UsageError('--action must be lock, unlock, set-mode, acknowledge-damage or reset-lockout');
      if ((action === 'set-mode') !== (values.mode !== undefined)) throw new UsageError('--mode goes with --action set-mode, and only with it');
      const iat = Math.floor(now / 1000);
      const valid = uint(values.valid, '--valid', 1, 300) ?? 60;
      return emit(mintCommand(readKey(values.key, '--key', io), { aud: lock(), nonce: randomBytes(16), iat, exp: iat + valid, action, mode: values.mode }));
    }
    case 'code': {
      const cls = required(uint(values.class, '--class', 0, 7), '--class');
      const from = time(values.from ?? 'now', '--from', now)! * 1000;
      const kind = OFFLINE_CLASSES[cls]!;
      const code = offlineCode(readSecretFile(values['secret-file'], '--secret-file', io), lock(), from, cls);
      const startHour = Math.floor(from / 3_600_000) * 3_600_000;
      const validFrom = new Date(startHour).toISOString();
      return done(`${code}\nvalid from ${validFrom} for ${kind.hours} h${kind.singleUse ? ', one use' : ''}`, { code, validFrom, hours: kind.hours, singleUse: kind.singleUse });
    }
    case 'pin-digest': {
      const pin = values.pin ?? '';
      if (!new RegExp(`^[0-9]{${PIN_MIN},${PIN_MAX}}$`).test(pin)) throw new UsageError(`--pin must be ${PIN_MIN} to ${PIN_MAX} digits`);
      const digest = Buffer.from(pinDigest(readSecretFile(values['secret-file'], '--secret-file', io), pin)).toString('hex');
      return done(digest, { digest });
    }
    case 'tracking-digest': {
      const texts = values.tracking ?? [];
      if (texts.length === 0) throw new UsageError('tracking-digest needs --tracking TEXT (a parcel tracking number)');
      const secret = readSecretFile(values['secret-file'], '--secret-file', io);
      const digests = texts.map((t) => Buffer.from(trackingDigest(secret, tracking(t))).toString('hex'));
      return done(digests.join('\n'), { digests });
    }
    case 'present': {
      if (!values.challenge || !values.chain) throw new UsageError('present needs --challenge HEX (from the lock) and --chain FILE[,FILE...] (root first)');
      const chain = values.chain.split(',').map((f) => readBytes(f, '--chain', io));
      const leafCti = leafId(chain.at(-1)!);
      return emit(present(chain, readKey(values.key, '--key', io), lock(), hexBytes(values.challenge, '--challenge', 32), leafCti));
    }
    case 'inspect': {
      const bytes = values.hex ? hexBytes(values.hex, '--hex') : rest[0] ? readBytes(rest[0], 'inspect', io) : null;
      if (!bytes) throw new UsageError('inspect needs a FILE ("-" for stdin) or --hex HEX');
      const report = inspect(bytes, {
        lockId: values.lock,
        ownerKeys: (values.owner ?? []).map((o) => hexBytes(o, '--owner', 32)),
        timeZone: values.tz,
        deviceKey: values['device-key'] ? hexBytes(values['device-key'], '--device-key', 32) : undefined,
        now: values.at ? time(values.at, '--at', now)! * 1000 : now,
      });
      // A lock would refuse it: 3; the verdict needs what was not given (--tz, --owner, the chain): 5.
      const code = report.problems.length ? 3 : report.needs.length ? 5 : 0;
      return { text: report.text, json: { verdict: ['ok', 'refused', 'needs'][code === 0 ? 0 : code === 3 ? 1 : 2], problems: report.problems, needs: report.needs, text: report.text }, code };
    }
    default:
      throw new UsageError(`unknown command "${command}"; run lockctl --help`);
  }
}

const done = (text: string, json: unknown): Outcome => ({ text, json, code: 0 });

function common(values: Values, aud: string, now: number) {
  const relock = uint(values['relock-within'], '--relock-within', 1, 86_400);
  const nbf = time(values.from, '--from', now);
  const exp = time(values.until, '--until', now);
  checkValidity(nbf, exp, Math.floor(now / 1000), values.force === true);
  return {
    aud,
    sub: values.sub ?? null,
    nbf,
    exp,
    iat: Math.floor(now / 1000),
    cti: values.id ? hexBytes(values.id, '--id', 16) : Uint8Array.from(randomBytes(16)),
    schedule: values.schedule?.length ? values.schedule.map(window) : null,
    obligations: { record: values.record ?? false, relockWithinS: relock },
    label: label(values.label),
  };
}

/** A grant's readable name: 1-64 UTF-8 bytes, no control characters (docs/PROTOCOL.md §3). */
function label(text: string | undefined): string | null {
  if (text === undefined) return null;
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || Buffer.byteLength(text, 'utf8') > LABEL_MAX_BYTES || /[\u0000-\u001f\u007f-\u009f]/.test(text)) {
    throw new UsageError(`--label must be 1-${LABEL_MAX_BYTES} bytes of text without control characters`);
  }
  return text;
}

function grant(values: Values, aud: string, now: number, io: Streams): Uint8Array {
  const pins = (values['pin-digest'] ?? []).map((d) => hexBytes(d, '--pin-digest', 32));
  const parcels = (values['tracking-digest'] ?? []).map((d) => hexBytes(d, '--tracking-digest', 32));
  if (values.tracking?.length) {
    const secret = readSecretFile(values['secret-file'], '--secret-file', io);
    parcels.push(...values.tracking.map((t) => trackingDigest(secret, tracking(t))));
  }
  if (pins.length && parcels.length) throw new UsageError('a grant carries PIN digests or tracking numbers, not both');
  if (parcels.length > 64 || pins.length > 64) throw new UsageError('a grant carries at most 64 digests');
  if (!values.holder && pins.length === 0 && parcels.length === 0) {
    throw new UsageError('grant needs --holder PUBHEX (a phone key), --pin-digest HEX (a keypad code digest) or --tracking TEXT (a parcel, for a parcel box)');
  }
  return mintGrant(readKey(values.key, '--key', io), {
    ...common(values, aud, now),
    role: role(values.role),
    holderKey: values.holder ? hexBytes(values.holder, '--holder', 32) : null,
    credential: pins.length ? { kind: 'pin', digests: pins } : parcels.length ? { kind: 'tracking', digests: parcels } : null,
    maxUses: uint(values.uses, '--uses', 1, 1_000_000),
  });
}

function tracking(text: string): string {
  const normalized = normalizeTracking(text);
  if (normalized === null) throw new UsageError(`--tracking "${text}": must be 1-${TRACKING_MAX} printable characters (spaces and dashes are ignored)`);
  return normalized;
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new UsageError(`${what} is required`);
  return value;
}

/** A message file ("-": stdin), binary or hex text. */
function readBytes(path: string, what: string, io: Streams): Uint8Array {
  const data = readInput(userPath(path), what, io);
  const text = data.toString('utf8').trim();
  return /^([0-9a-f]{2})+$/i.test(text) ? Uint8Array.from(Buffer.from(text, 'hex')) : new Uint8Array(data);
}

function leafId(bytes: Uint8Array): Uint8Array {
  const message = decodeSign1(bytes);
  const payload = message.ok && !scanCbor(message.value.payload, DEFAULT_LIMITS, []) ? decodeScanned(message.value.payload) : null;
  const claims = payload ? parseClaims(payload) : null;
  if (!claims?.ok || claims.value.delegation) throw new UsageError('the last --chain file is not a grant');
  return claims.value.cti;
}

/** Path options resolved against the user's directory (npm runs scripts in the package root). */
const PATH_OPTIONS = ['out', 'key', 'secret-file', 'mqtt-password-file', 'mqtt-ca'] as const;

/**
 * The command line. Results go to `io.out`, progress and errors to `io.err` (a function gets both,
 * for transcripts). Returns the exit code: 0 done, 1 file or line failure, 2 usage, 3 refused by
 * the rules (inspect) or a failed self-test, 4 refused by the lock, 5 inspect needs more context.
 */
export async function main(argv: string[], streams: Streams | ((line: string) => void) = processStreams, open?: Parameters<typeof runInstaller>[3]): Promise<number> {
  const io = typeof streams === 'function' ? mergedStreams(streams) : streams;
  try {
    const command = argv.find((a) => !a.startsWith('-'));
    if (command && (INSTALLER_COMMANDS as readonly string[]).includes(command) && !argv.includes('--help') && !argv.includes('--version')) {
      const { values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
      for (const name of PATH_OPTIONS) if (values[name] !== undefined) values[name] = userPath(values[name]);
      return await runInstaller(command as (typeof INSTALLER_COMMANDS)[number], values, { progress: io.err, result: io.out }, open);
    }
    // MQTT.js loads only for watch (it costs about 3x Node's own start-up). Each event is a result line.
    if (command === 'watch' && !argv.includes('--help')) return await (await import('./lib/watch.js')).runWatch(parseArgs({ args: argv, options, allowPositionals: true, strict: true }).values, io.out);
    const outcome = execute(argv, Date.now(), io);
    const json = argv.includes('--json');
    if (json) io.out(JSON.stringify(outcome.json, null, 2));
    else if (outcome.text) io.out(outcome.text);
    return outcome.code;
  } catch (error) {
    if (error instanceof FileError) {
      io.err(`lockctl: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError || error instanceof RefusedError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`lockctl: ${(error as Error).message}`);
      return 2;
    }
    io.err(`lockctl: unexpected failure: ${(error as Error).message} (please report it)`);
    return 1;
  }
}

// Run as a script: directly, through tsx, or through the package's bin link (a symlink).
const invokedAs = process.argv[1] ? pathToFileURL(realpathOr(process.argv[1])).href : '';
if (invokedAs === import.meta.url) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
