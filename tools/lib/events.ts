// What the lock signs with its device key, read back: audit events (PROTOCOL.md §11) and the
// pairing attestation (§14). Verifies the signature, optionally against a known device key, checks
// the payload's shape, and turns each into plain values and one readable line.
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { isBytes } from '../../firmware/access/cose.js';
import { openSigned, type OpenRefusal, TYP } from '../../firmware/access/messages.js';

/** Why a consumer rejects a signed event or attestation. Closed set (PROTOCOL.md appendix C). */
export type ReadRefusal = OpenRefusal | 'wrong-device';

export interface LockEvent {
  lockId: string;
  seq: number;
  /** Milliseconds since the epoch (keys 3 and 6). */
  time: number;
  type: string;
  /** Details with byte strings as hex; times stay as the lock sent them. */
  details: Record<string, unknown>;
  /** The device key that signed it, hex. */
  signer: string;
}

export interface Attestation {
  lockId: string;
  ownerKeys: string[];
  time: number;
  devicePublicKey: string;
  signer: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** Decode and verify a `lock-event`; with `deviceKey`, only that lock's signature counts. Never throws. */
export function readEvent(bytes: Uint8Array, deviceKey?: Uint8Array): { ok: true; event: LockEvent } | { ok: false; reason: ReadRefusal } {
  const opened = openSigned(bytes, TYP.event, nodeVerifier());
  if (!opened.ok) return opened;
  if (deviceKey && Buffer.compare(opened.value.signer, deviceKey) !== 0) return { ok: false, reason: 'wrong-device' };
  const p = opened.value.payload;
  if (!(p instanceof Map) || [...p.keys()].some((k) => ![1, 2, 3, 4, 5, 6].includes(k as number))) return { ok: false, reason: 'malformed' };
  const [lockId, seq, seconds, type, details, ms] = [1, 2, 3, 4, 5, 6].map((k) => p.get(k));
  if (typeof lockId !== 'string' || !isUint(seq) || seq === 0 || !isUint(seconds) || typeof type !== 'string') return { ok: false, reason: 'malformed' };
  if (!(details instanceof Map) || [...details.keys()].some((k) => typeof k !== 'string')) return { ok: false, reason: 'malformed' };
  if (!isUint(ms) || ms > 999) return { ok: false, reason: 'malformed' };
  return { ok: true, event: { lockId, seq, time: seconds * 1000 + ms, type, details: plain(details) as Record<string, unknown>, signer: hex(opened.value.signer) } };
}

/** Decode and verify a pairing attestation; with `deviceKey`, only that key's signature counts. Never throws. */
export function readAttestation(bytes: Uint8Array, deviceKey?: Uint8Array): { ok: true; attestation: Attestation } | { ok: false; reason: ReadRefusal } {
  const opened = openSigned(bytes, TYP.attestation, nodeVerifier());
  if (!opened.ok) return opened;
  if (deviceKey && Buffer.compare(opened.value.signer, deviceKey) !== 0) return { ok: false, reason: 'wrong-device' };
  const p = opened.value.payload;
  if (!(p instanceof Map)) return { ok: false, reason: 'malformed' };
  const [lockId, owners, time, device] = [1, 2, 3, 4].map((k) => p.get(k));
  if (typeof lockId !== 'string' || !Array.isArray(owners) || !owners.every((o) => isBytes(o) && o.length === 32) || !isUint(time)) return { ok: false, reason: 'malformed' };
  if (!isBytes(device) || Buffer.compare(device, opened.value.signer) !== 0) return { ok: false, reason: 'malformed' };
  return { ok: true, attestation: { lockId, ownerKeys: (owners as Uint8Array[]).map(hex), time, devicePublicKey: hex(device), signer: hex(opened.value.signer) } };
}

/** CBOR values as JSON-friendly ones: maps to objects, bytes to hex. */
export function plain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (isBytes(value)) return hex(value);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A detail value for a person: `[seconds, ms]` times as ISO dates, everything else as it is. */
function show(key: string, value: unknown): string {
  if ((key === 'at' || key.endsWith('At')) && Array.isArray(value) && value.length === 2) {
    const [s, ms] = value as unknown[];
    if (isUint(s) && isUint(ms)) return iso(s * 1000 + ms);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Details a person looks for first; the rest follow in the lock's (deterministic CBOR) order. */
const FIRST = ['step', 'visit', 'ok', 'action', 'via', 'kind', 'allow', 'reason', 'op', 'outcome', 'from', 'to', 'cause', 'state', 'mode', 'active', 'grant', 'role'];
const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);

/** One line per event: sequence, time, type, then the details as key=value. */
export function describeEvent(e: LockEvent): string {
  const fields = Object.entries(e.details).sort(([a], [b]) => rank(a) - rank(b)).map(([k, v]) => `${k}=${show(k, v)}`);
  return [`#${e.seq}`, iso(e.time), e.type.padEnd(14), ...fields].join(' ').trimEnd();
}

/** The attestation for a person. */
export function describeAttestation(a: Attestation): string[] {
  return [
    `  attestation: lock "${a.lockId}" paired at ${iso(a.time * 1000)}`,
    `  device key ${a.devicePublicKey}`,
    ...a.ownerKeys.map((k, i) => `  owner key ${i + 1}: ${k}`),
  ];
}
