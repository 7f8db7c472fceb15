// lockctl: the owner's and installer's command line. Makes keys, grants, delegations, revocation
// lists, heartbeats, commands and presentations, and reads any of them back (`inspect`).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, decodeScanned, scanCbor } from '../firmware/access/cbor.js';
import { decodeSign1 } from '../firmware/access/cose.js';
import { LABEL_MAX_BYTES, parseClaims, ROLES } from '../firmware/access/grant.js';
import { normalizeTracking, OFFLINE_CLASSES, offlineCode, PIN_MAX, PIN_MIN, pinDigest, TRACKING_MAX, trackingDigest } from '../firmware/keypad/codes.js';
import { hexBytes, readKey, role, roles, time, uint, UsageError, window } from './lib/args.js';
import { inspect } from './lib/inspect.js';
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
             [--mqtt-ca CA.pem] [--session CLIENT-ID] [--count N] [--json]
             follow the lock's signed events: one line each, gaps flagged (exit 3 on a gap or a bad event)

 installer, over the lock's serial line ([--port /dev/ttyUSB0] [--baud 115200]):
  info       who the lock is: paired or not, board, firmware, device key [--json]
  pair       --lock ID --tz ZONE (--owner PUBHEX... | --key OWNER.key) --secret-file F [--time T]
             [--mqtt-url URL [--mqtt-user U] [--mqtt-password-file F] [--mqtt-ca CA.pem] [--mqtt-version 4|5]]
             [--out DEVICE.json]   (a paired lock: press its pair button first)
  set-time   [--time T]            set the lock's clock (a paired lock: press its pair button first)
  self-test  [--keypad] [--json]   cycle the bolt, read every sensor, start the camera
  factory-reset                    hold the pair button down (5 s) and keep holding while this runs

  T is an ISO date-time (2026-06-01T09:00:00Z), "now", or "+30m"/"+2h"/"+7d".
  Without --out, messages are printed as hex.`;

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
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

export function run(argv: string[], now = Date.now()): string {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || values.help) return HELP;
  const lock = () => {
    if (!values.lock) throw new UsageError('--lock is required: the lock id the message is for');
    return values.lock;
  };
  const emit = (bytes: Uint8Array) => {
    if (values.out) {
      writeFileSync(values.out, bytes);
      return `wrote ${bytes.length} bytes to ${values.out}`;
    }
    return Buffer.from(bytes).toString('hex');
  };
  switch (command) {
    case 'keygen': {
      if (!values.out) throw new UsageError('keygen needs --out FILE for the new key');
      const seed = randomBytes(32);
      writeFileSync(values.out, `${seed.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      return `key written to ${values.out}\npublic key ${Buffer.from(keyFromSeed(seed).publicKey).toString('hex')}`;
    }
    case 'pubkey':
      return Buffer.from(readKey(values.key).publicKey).toString('hex');
    case 'grant':
      return emit(grant(values, lock(), now));
    case 'delegate': {
      if (!values.to) throw new UsageError('delegate needs --to PUBHEX: the issuer key being delegated to');
      return emit(
        mintGrant(readKey(values.key), {
          ...common(values, lock(), now),
          holderKey: hexBytes(values.to, '--to', 32),
          delegation: { roles: roles(values.roles), maxUses: uint(values.uses, '--uses', 1, 1_000_000), maxDepth: uint(values.depth, '--depth', 0, 2) ?? 0 },
        }),
      );
    }
    case 'revoke':
      return emit(
        mintRevocations(readKey(values.key), {
          seq: required(uint(values.seq, '--seq', 0, 0xffffffff), '--seq'),
          aud: lock(),
          iat: Math.floor(now / 1000),
          grants: (values.grant ?? []).map((g) => hexBytes(g, '--grant', 16)),
          holders: (values.holder ? [values.holder] : []).map((h) => hexBytes(h, '--holder', 32)),
          issuers: (values.issuer ?? []).map((k) => hexBytes(k, '--issuer', 32)),
        }),
      );
    case 'heartbeat':
      return emit(mintHeartbeat(readKey(values.key), { time: time(values.time ?? 'now', '--time', now)!, seq: required(uint(values.seq, '--seq', 0, 0xffffffff), '--seq'), aud: lock() }));
    case 'command': {
      const action = values.action;
      if (action !== 'lock' && action !== 'unlock' && action !== 'set-mode' && action !== 'acknowledge-damage' && action !== 'reset-lockout') throw new UsageError('--action must be lock, unlock, set-mode, acknowledge-damage or reset-lockout');
      if ((action === 'set-mode') !== (values.mode !== undefined)) throw new UsageError('--mode goes with --action set-mode, and only with it');
      const iat = Math.floor(now / 1000);
      const valid = uint(values.valid, '--valid', 1, 300) ?? 60;
      return emit(mintCommand(readKey(values.key), { aud: lock(), nonce: randomBytes(16), iat, exp: iat + valid, action, mode: values.mode }));
    }
    case 'code': {
      const cls = required(uint(values.class, '--class', 0, 7), '--class');
      const from = time(values.from ?? 'now', '--from', now)! * 1000;
      const kind = OFFLINE_CLASSES[cls]!;
      const code = offlineCode(readSecret(values['secret-file']), lock(), from, cls);
      const startHour = Math.floor(from / 3_600_000) * 3_600_000;
      return `${code}\nvalid from ${new Date(startHour).toISOString()} for ${kind.hours} h${kind.singleUse ? ', one use' : ''}`;
    }
    case 'pin-digest': {
      const pin = values.pin ?? '';
      if (!new RegExp(`^[0-9]{${PIN_MIN},${PIN_MAX}}$`).test(pin)) throw new UsageError(`--pin must be ${PIN_MIN} to ${PIN_MAX} digits`);
      return Buffer.from(pinDigest(readSecret(values['secret-file']), pin)).toString('hex');
    }
    case 'tracking-digest': {
      const texts = values.tracking ?? [];
      if (texts.length === 0) throw new UsageError('tracking-digest needs --tracking TEXT (a parcel tracking number)');
      const secret = readSecret(values['secret-file']);
      return texts.map((t) => Buffer.from(trackingDigest(secret, tracking(t))).toString('hex')).join('\n');
    }
    case 'present': {
      if (!values.challenge || !values.chain) throw new UsageError('present needs --challenge HEX (from the lock) and --chain FILE[,FILE...] (root first)');
      const chain = values.chain.split(',').map((f) => readBytes(f));
      const leafCti = leafId(chain.at(-1)!);
      return emit(present(chain, readKey(values.key), lock(), hexBytes(values.challenge, '--challenge', 32), leafCti));
    }
    case 'inspect': {
      const bytes = values.hex ? hexBytes(values.hex, '--hex') : rest[0] ? readBytes(rest[0]) : null;
      if (!bytes) throw new UsageError('inspect needs a FILE or --hex HEX');
      const report = inspect(bytes, {
        lockId: values.lock,
        ownerKeys: (values.owner ?? []).map((o) => hexBytes(o, '--owner', 32)),
        timeZone: values.tz,
        deviceKey: values['device-key'] ? hexBytes(values['device-key'], '--device-key', 32) : undefined,
        now: values.at ? time(values.at, '--at', now)! * 1000 : now,
      });
      return report.text;
    }
    default:
      throw new UsageError(`unknown command "${command}"; run lockctl --help`);
  }
}

function common(values: Values, aud: string, now: number) {
  const relock = uint(values['relock-within'], '--relock-within', 1, 86_400);
  return {
    aud,
    sub: values.sub ?? null,
    nbf: time(values.from, '--from', now),
    exp: time(values.until, '--until', now),
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

function grant(values: Values, aud: string, now: number): Uint8Array {
  const pins = (values['pin-digest'] ?? []).map((d) => hexBytes(d, '--pin-digest', 32));
  const parcels = (values['tracking-digest'] ?? []).map((d) => hexBytes(d, '--tracking-digest', 32));
  if (values.tracking?.length) {
    const secret = readSecret(values['secret-file']);
    parcels.push(...values.tracking.map((t) => trackingDigest(secret, tracking(t))));
  }
  if (pins.length && parcels.length) throw new UsageError('a grant carries PIN digests or tracking numbers, not both');
  if (parcels.length > 64 || pins.length > 64) throw new UsageError('a grant carries at most 64 digests');
  if (!values.holder && pins.length === 0 && parcels.length === 0) {
    throw new UsageError('grant needs --holder PUBHEX (a phone key), --pin-digest HEX (a keypad code digest) or --tracking TEXT (a parcel, for a parcel box)');
  }
  return mintGrant(readKey(values.key), {
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

function readSecret(path: string | undefined): Uint8Array {
  if (!path) throw new UsageError('--secret-file is required: the lock\'s keypad secret (64 hex digits), set at pairing');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--secret-file: cannot read ${path}`);
  }
  return hexBytes(text, `--secret-file ${path}`, 32);
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new UsageError(`${what} is required`);
  return value;
}

function readBytes(path: string): Uint8Array {
  try {
    const data = readFileSync(path);
    const text = data.toString('utf8').trim();
    return /^([0-9a-f]{2})+$/i.test(text) ? Uint8Array.from(Buffer.from(text, 'hex')) : new Uint8Array(data);
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
}

function leafId(bytes: Uint8Array): Uint8Array {
  const message = decodeSign1(bytes);
  const payload = message.ok && !scanCbor(message.value.payload, DEFAULT_LIMITS, []) ? decodeScanned(message.value.payload) : null;
  const claims = payload ? parseClaims(payload) : null;
  if (!claims?.ok || claims.value.delegation) throw new UsageError('the last --chain file is not a grant');
  return claims.value.cti;
}

/** The command line: the installer commands talk to a lock (async); the rest make and read messages. Returns the exit code. */
export async function main(argv: string[], say: (line: string) => void = console.log, open?: Parameters<typeof runInstaller>[3]): Promise<number> {
  try {
    const command = argv.find((a) => !a.startsWith('-'));
    if (command && (INSTALLER_COMMANDS as readonly string[]).includes(command) && !argv.includes('--help')) {
      const { values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
      return await runInstaller(command as (typeof INSTALLER_COMMANDS)[number], values, say, open);
    }
    // MQTT.js loads only for watch (it costs about 3x Node's own start-up).
    if (command === 'watch' && !argv.includes('--help')) return await (await import('./lib/watch.js')).runWatch(parseArgs({ args: argv, options, allowPositionals: true, strict: true }).values, say);
    say(run(argv));
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`lockctl: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
