// Readable activity: each signed event the lock publishes, as plain JSON for owners and Home
// Assistant (`locks/<id>/activity`): type, time, who (grant label, role, grant id), how (keypad,
// phone, parcel, remote, thumb-turn, auto), outcome and reason. Built from the event's own signed
// bytes, so it says exactly what the record of truth says, and never more (events hold no secret).
import { decodeScanned, scanCbor } from '../access/cbor.js';
import { decodeSign1 } from '../access/cose.js';

export type Method = 'keypad' | 'phone' | 'parcel' | 'remote' | 'thumb-turn' | 'auto' | 'boot' | 'shutdown' | 'sensor' | 'access';

export interface ActivityEntry {
  seq: number;
  type: string;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  who?: { label: string | null; role: string | null; grant: string | null };
  how?: Method;
  outcome?: 'allowed' | 'refused' | 'done' | 'failed';
  reason?: string;
  /** The event's other details, readable (times as ISO strings, bytes as hex). */
  details: Record<string, unknown>;
}

const VIA: Record<string, Method> = { keypad: 'keypad', reader: 'phone', barcode: 'parcel', remote: 'remote' };
const CAUSE: Record<string, Method> = { manual: 'thumb-turn', 'auto-relock': 'auto', command: 'remote', boot: 'boot', shutdown: 'shutdown', sensor: 'sensor', access: 'access', 'door-opened': 'auto' };

const iso = (seconds: number, ms = 0) => new Date(seconds * 1000 + ms).toISOString();

/** CBOR details to JSON: maps to objects, bytes to hex, `[s, ms]` times (keys `at`, `*At`) to ISO. */
function readable(key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), readable(String(k), v)]));
  const isTime = key === 'at' || key.endsWith('At');
  if (isTime && Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number')) return iso(value[0] as number, value[1] as number);
  if (Array.isArray(value)) return value.map((v) => readable('', v));
  return value;
}

/** The readable form of one signed event (our own bytes), or null if they do not parse. */
export function activityOf(bytes: Uint8Array): ActivityEntry | null {
  const message = decodeSign1(bytes);
  if (!message.ok || scanCbor(message.value.payload)) return null;
  const p = decodeScanned(message.value.payload);
  if (!(p instanceof Map)) return null;
  const seq = p.get(2);
  const seconds = p.get(3);
  const type = p.get(4);
  const data = p.get(5);
  if (typeof seq !== 'number' || typeof seconds !== 'number' || typeof type !== 'string' || !(data instanceof Map)) return null;
  const details = readable('', data) as Record<string, unknown>;
  return { seq, type, time: iso(seconds, typeof p.get(6) === 'number' ? (p.get(6) as number) : 0), ...interpret(type, details), details };
}

type Interpreted = Pick<ActivityEntry, 'who' | 'how' | 'outcome' | 'reason'>;

/** Who, how and the outcome, for the event types that have them. */
function interpret(type: string, d: Record<string, unknown>): Interpreted {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const who = () => ({ label: str(d.label), role: str(d.role), grant: str(d.grant) });
  switch (type) {
    case 'access':
      return { who: who(), how: VIA[str(d.via) ?? ''], outcome: d.allow ? 'allowed' : 'refused', ...(d.allow ? {} : { reason: str(d.reason) ?? undefined }) };
    case 'delivery':
      return { who: who(), how: VIA[str(d.via) ?? ''], ...(d.step === 'refused' || d.step === 'aborted' ? { outcome: 'refused' as const, reason: str(d.reason) ?? undefined } : {}) };
    case 'bolt':
    case 'operation':
      return { how: CAUSE[str(d.cause) ?? ''], ...(type === 'operation' ? { outcome: d.outcome === 'done' ? ('done' as const) : ('failed' as const) } : {}) };
    case 'manual':
      return { how: 'thumb-turn' };
    case 'ha-command':
    case 'command':
      return { how: 'remote', outcome: d.ok ? 'done' : 'refused', ...(d.ok ? {} : { reason: str(d.reason) ?? undefined }) };
    default:
      return {};
  }
}
