// Grants and delegations: a CWT claims set (RFC 8392, integer keys) inside a COSE_Sign1 whose
// protected header says typ "lock-grant". Parsing is strict: wrong types, out-of-range values and
// unknown claims are refused, because a claim we do not understand may be a restriction.
import { encodeDeterministic } from './cbor.js';
import { isBytes } from './cose.js';

export const CLAIM = {
  iss: 1,
  sub: 2,
  aud: 3,
  exp: 4,
  nbf: 5,
  iat: 6,
  cti: 7,
  cnf: 8,
  role: -65537,
  schedule: -65538,
  maxUses: -65539,
  obligations: -65540,
  delegation: -65541,
  credential: -65542,
  label: -65543,
} as const;

/** Longest grant label, in UTF-8 bytes. */
export const LABEL_MAX_BYTES = 64;

export const ROLES = ['owner', 'resident', 'guest', 'service', 'delivery'] as const;
export type Role = (typeof ROLES)[number];

/** A weekly window in the lock's time zone: days bitmask (bit 0 Monday .. bit 6 Sunday), minutes of the day [start, end). */
export interface Window {
  days: number;
  start: number;
  end: number;
}

export interface Obligations {
  /** The camera must confirm recording before the bolt moves. */
  record: boolean;
  /** Seconds within which the door must be closed and relocked after the unlock; null = none. */
  relockWithinS: number | null;
}

export interface DelegationBounds {
  /** Roles the delegate may grant. */
  roles: Role[];
  /** Most uses any grant under it may carry; null = no bound. */
  maxUses: number | null;
  /** How many more delegation links may follow this one (0 = only holder grants). */
  maxDepth: number;
}

export interface Credential {
  kind: 'pin' | 'tracking';
  /** Keyed digests (HMAC-SHA-256 under the per-lock secret), 32 bytes each; never the secret itself. */
  digests: Uint8Array[];
}

export interface Claims {
  iss: string | null;
  sub: string | null;
  aud: string;
  exp: number | null;
  nbf: number | null;
  iat: number | null;
  /** Grant id, 16 bytes. */
  cti: Uint8Array;
  /** Holder's Ed25519 public key (cnf), for grants presented with a proof; delegate's key for delegations. */
  holderKey: Uint8Array | null;
  role: Role | null;
  schedule: Window[] | null;
  maxUses: number | null;
  obligations: Obligations;
  delegation: DelegationBounds | null;
  credential: Credential | null;
  /** A name people can read ("Anna", "UPS courier"), shown in activity and Home Assistant; never a secret. */
  label: string | null;
}

export const NO_OBLIGATIONS: Obligations = Object.freeze({ record: false, relockWithinS: null });
const MAX_ARRAY = 64;

type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };
const fail = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

const isUint = (v: unknown, max = 0xffffffff): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const isText = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length <= max;

/** Parse a decoded claims map. Returns why not, for `inspect` and logs; the decision says "malformed". */
export function parseClaims(map: unknown): Parsed<Claims> {
  if (!(map instanceof Map)) return fail('claims are not a map');
  const known = new Set<unknown>(Object.values(CLAIM));
  for (const key of map.keys()) if (!known.has(key)) return fail(`unknown claim ${String(key)}`);
  const get = (k: number) => map.get(k);

  const iss = get(CLAIM.iss) ?? null;
  const sub = get(CLAIM.sub) ?? null;
  const aud = get(CLAIM.aud);
  if (iss !== null && !isText(iss)) return fail('iss must be text');
  if (sub !== null && !isText(sub)) return fail('sub must be text');
  if (!isText(aud) || aud.length === 0) return fail('aud (lock id) is required text');
  const times: Record<'exp' | 'nbf' | 'iat', number | null> = { exp: null, nbf: null, iat: null };
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const v = get(CLAIM[name]);
    if (v === undefined) continue;
    if (!isUint(v)) return fail(`${name} must be a NumericDate (seconds, uint32)`);
    times[name] = v;
  }
  const cti = get(CLAIM.cti);
  if (!isBytes(cti) || cti.length !== 16) return fail('cti must be 16 bytes');

  const cnf = get(CLAIM.cnf);
  let holderKey: Uint8Array | null = null;
  if (cnf !== undefined) {
    const key = cnf instanceof Map ? cnf.get(1) : undefined;
    if (!(key instanceof Map) || cnf.size !== 1) return fail('cnf must be {1: COSE_Key}');
    if (key.get(1) !== 1 || key.get(-1) !== 6 || !isBytes(key.get(-2)) || key.size !== 3) return fail('cnf key must be OKP Ed25519 {1:1, -1:6, -2:x}');
    holderKey = Uint8Array.from(key.get(-2) as Uint8Array);
    if (holderKey.length !== 32) return fail('cnf key x must be 32 bytes');
  }

  const roleCode = get(CLAIM.role);
  if (roleCode !== undefined && (!isUint(roleCode) || roleCode >= ROLES.length)) return fail('role must be 0-4');
  const role = roleCode === undefined ? null : ROLES[roleCode]!;

  const schedule = parseSchedule(get(CLAIM.schedule));
  if (!schedule.ok) return schedule;
  const maxUses = get(CLAIM.maxUses) ?? null;
  if (maxUses !== null && (!isUint(maxUses, 1_000_000) || maxUses === 0)) return fail('maxUses must be 1-1000000');
  const obligations = parseObligations(get(CLAIM.obligations));
  if (!obligations.ok) return obligations;
  const delegation = parseDelegation(get(CLAIM.delegation));
  if (!delegation.ok) return delegation;
  const credential = parseCredential(get(CLAIM.credential));
  if (!credential.ok) return credential;
  const label = parseLabel(get(CLAIM.label));
  if (!label.ok) return label;

  if (delegation.value) {
    if (!holderKey) return fail('a delegation must name the delegate key in cnf');
    if (role !== null || credential.value) return fail('a delegation carries bounds, not a role or credential');
  } else {
    if (role === null) return fail('a grant must carry a role');
    if (!holderKey && !credential.value) return fail('a grant must bind a holder key (cnf) or a credential');
  }
  return {
    ok: true,
    value: {
      iss, sub, aud, ...times, cti: Uint8Array.from(cti), holderKey, role,
      schedule: schedule.value, maxUses, obligations: obligations.value, delegation: delegation.value, credential: credential.value, label: label.value,
    },
  };
}

function parseSchedule(v: unknown): Parsed<Window[] | null> {
  if (v === undefined) return { ok: true, value: null };
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ARRAY) return fail('schedule must be 1-64 windows');
  const out: Window[] = [];
  for (const w of v) {
    if (!Array.isArray(w) || w.length !== 3) return fail('a window is [days, start, end]');
    const [days, start, end] = w as unknown[];
    if (!isUint(days, 0x7f) || days === 0) return fail('window days must be a bitmask 1-127 (bit 0 = Monday)');
    if (!isUint(start, 1439) || !isUint(end, 1440) || end <= start) return fail('window minutes must satisfy 0 <= start < end <= 1440');
    out.push({ days, start, end });
  }
  return { ok: true, value: out };
}

function parseObligations(v: unknown): Parsed<Obligations> {
  if (v === undefined) return { ok: true, value: NO_OBLIGATIONS };
  if (!(v instanceof Map)) return fail('obligations must be a map');
  for (const k of v.keys()) if (k !== 1 && k !== 2) return fail(`unknown obligation ${String(k)}`);
  const record = v.get(1) ?? false;
  const relock = v.get(2) ?? null;
  if (typeof record !== 'boolean') return fail('obligation 1 (record) must be a boolean');
  if (relock !== null && (!isUint(relock, 86_400) || relock === 0)) return fail('obligation 2 (relock seconds) must be 1-86400');
  return { ok: true, value: { record, relockWithinS: relock } };
}

function parseDelegation(v: unknown): Parsed<DelegationBounds | null> {
  if (v === undefined) return { ok: true, value: null };
  if (!(v instanceof Map)) return fail('delegation bounds must be a map');
  for (const k of v.keys()) if (k !== 1 && k !== 2 && k !== 3) return fail(`unknown delegation bound ${String(k)}`);
  const roles = v.get(1);
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => !isUint(r) || r >= ROLES.length || r === 0)) {
    return fail('delegation roles must be a non-empty list of role codes 1-4 (owner cannot be delegated)');
  }
  const maxUses = v.get(2) ?? null;
  if (maxUses !== null && (!isUint(maxUses, 1_000_000) || maxUses === 0)) return fail('delegation maxUses must be 1-1000000');
  const maxDepth = v.get(3) ?? 0;
  if (!isUint(maxDepth, 2)) return fail('delegation maxDepth must be 0-2');
  return { ok: true, value: { roles: [...new Set(roles as number[])].map((r) => ROLES[r]!), maxUses, maxDepth } };
}

/** 1-64 bytes of UTF-8 text without control characters (it ends up in logs, JSON and dashboards). */
function parseLabel(v: unknown): Parsed<string | null> {
  if (v === undefined) return { ok: true, value: null };
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v, 'utf8') > LABEL_MAX_BYTES) return fail(`label must be text of 1-${LABEL_MAX_BYTES} UTF-8 bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v)) return fail('label must not contain control characters');
  return { ok: true, value: v };
}

function parseCredential(v: unknown): Parsed<Credential | null> {
  if (v === undefined) return { ok: true, value: null };
  if (!(v instanceof Map)) return fail('credential must be a map');
  const kind = v.get(1);
  const digests = v.get(2);
  if (kind !== 1 && kind !== 2) return fail('credential kind must be 1 (pin) or 2 (tracking)');
  if (!Array.isArray(digests) || digests.length === 0 || digests.length > MAX_ARRAY || digests.some((d) => !isBytes(d) || d.length !== 32)) {
    return fail('credential digests must be 1-64 byte strings of 32 bytes');
  }
  return { ok: true, value: { kind: kind === 1 ? 'pin' : 'tracking', digests: digests.map((d: Uint8Array) => Uint8Array.from(d)) } };
}

/** Encode claims deterministically (tools, tests, and the lock's own re-encoding never depends on it). */
export function encodeClaims(c: Claims): Uint8Array {
  const m = new Map<number, unknown>();
  if (c.iss !== null) m.set(CLAIM.iss, c.iss);
  if (c.sub !== null) m.set(CLAIM.sub, c.sub);
  m.set(CLAIM.aud, c.aud);
  if (c.exp !== null) m.set(CLAIM.exp, c.exp);
  if (c.nbf !== null) m.set(CLAIM.nbf, c.nbf);
  if (c.iat !== null) m.set(CLAIM.iat, c.iat);
  m.set(CLAIM.cti, c.cti);
  if (c.holderKey) m.set(CLAIM.cnf, new Map([[1, new Map<number, unknown>([[1, 1], [-1, 6], [-2, c.holderKey]])]]));
  if (c.role !== null) m.set(CLAIM.role, ROLES.indexOf(c.role));
  if (c.schedule) m.set(CLAIM.schedule, c.schedule.map((w) => [w.days, w.start, w.end]));
  if (c.maxUses !== null) m.set(CLAIM.maxUses, c.maxUses);
  if (c.obligations.record || c.obligations.relockWithinS !== null) {
    const o = new Map<number, unknown>();
    if (c.obligations.record) o.set(1, true);
    if (c.obligations.relockWithinS !== null) o.set(2, c.obligations.relockWithinS);
    m.set(CLAIM.obligations, o);
  }
  if (c.delegation) {
    const d = new Map<number, unknown>([[1, c.delegation.roles.map((r) => ROLES.indexOf(r))]]);
    if (c.delegation.maxUses !== null) d.set(2, c.delegation.maxUses);
    if (c.delegation.maxDepth) d.set(3, c.delegation.maxDepth);
    m.set(CLAIM.delegation, d);
  }
  if (c.credential) m.set(CLAIM.credential, new Map<number, unknown>([[1, c.credential.kind === 'pin' ? 1 : 2], [2, c.credential.digests]]));
  if (c.label) m.set(CLAIM.label, c.label);
  return encodeDeterministic(m);
}
