// Keypad secrets, derived under the per-lock keypad secret (32 bytes, set at pairing) with
// HMAC-SHA-256 and a label per use, so nothing derived for one purpose serves another:
//   PIN digest:    HMAC(secret, "lock-pin-v1" || 0x00 || pin)            32 bytes, carried in grants
//   offline code:  10 digits = class (1) | start hour mod 1000 (3) | MAC (6)
//                  MAC = HMAC(secret, "lock-offline-v1" || 0x00 || lockId || 0x00 || startHour (u32 BE) || class)
//                  truncated as HOTP does (RFC 4226 §5.3) to 6 decimal digits
//   use id:        HMAC(secret, "lock-offline-use-v1" || 0x00 || code)[0..16]  (what the journal records)
//   tracking:      HMAC(secret, "lock-tracking-v1" || 0x00 || normalized tracking number)  32 bytes
// Codes and PINs exist here only as arguments: never stored, logged or emitted.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PIN_MIN = 4;
export const PIN_MAX = 8; // below the offline codes' 10 digits, so a code's length says which it is
export const OFFLINE_CODE_LENGTH = 10;

/** Offline code classes: validity from the start hour, and whether one use ends it. */
export const OFFLINE_CLASSES = [
  { hours: 1, singleUse: false },
  { hours: 4, singleUse: false },
  { hours: 24, singleUse: false },
  { hours: 168, singleUse: false },
  { hours: 1, singleUse: true },
  { hours: 4, singleUse: true },
  { hours: 24, singleUse: true },
  { hours: 168, singleUse: true },
] as const;

const mac = (secret: Uint8Array, label: string, ...parts: (string | Uint8Array)[]) => {
  const h = createHmac('sha256', secret).update(label).update(Uint8Array.of(0));
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export function pinDigest(secret: Uint8Array, pin: string): Uint8Array {
  return mac(secret, 'lock-pin-v1', pin);
}

export const TRACKING_MAX = 64;

/**
 * A scanned or typed tracking number in the one form its digest is taken over: spaces and dashes
 * removed, letters upper-cased; null when it is not 1-64 printable ASCII characters after that.
 */
export function normalizeTracking(text: string): string | null {
  const code = text.replace(/[\s-]/g, '').toUpperCase();
  return code.length > 0 && code.length <= TRACKING_MAX && /^[\x21-\x7e]+$/.test(code) ? code : null;
}

/** A tracking number's keyed digest, as a parcel-box grant carries it: HMAC(secret, "lock-tracking-v1" || 0x00 || normalized). */
export function trackingDigest(secret: Uint8Array, normalized: string): Uint8Array {
  return mac(secret, 'lock-tracking-v1', normalized);
}

function offlineMac(secret: Uint8Array, lockId: string, startHour: number, cls: number): string {
  const start = new Uint8Array(4);
  new DataView(start.buffer).setUint32(0, startHour);
  const h = mac(secret, 'lock-offline-v1', lockId, Uint8Array.of(0), start, Uint8Array.of(cls));
  const offset = h[31]! & 0x0f;
  const value = ((h[offset]! & 0x7f) << 24) | (h[offset + 1]! << 16) | (h[offset + 2]! << 8) | h[offset + 3]!;
  return String(value % 1_000_000).padStart(6, '0');
}

/** The owner's side: a code valid from `startMs` (rounded down to the hour) for its class. */
export function offlineCode(secret: Uint8Array, lockId: string, startMs: number, cls: number): string {
  if (!OFFLINE_CLASSES[cls]) throw new RangeError('offline code class must be 0-7');
  const startHour = Math.floor(startMs / 3_600_000);
  return `${cls}${String(startHour % 1000).padStart(3, '0')}${offlineMac(secret, lockId, startHour, cls)}`;
}

export interface OfflineCheck {
  valid: boolean;
  singleUse: boolean;
  /** Id under which a single use is recorded (16 bytes, reveals nothing without the secret). */
  useId: Uint8Array;
  /** When the code's window opened (ms). */
  startMs: number;
}

/**
 * The lock's side. The start hour is the latest one at or before now with the given last three
 * digits; the code is valid when now falls in its window and the MAC matches (constant time).
 */
export function checkOfflineCode(secret: Uint8Array, lockId: string, code: string, nowMs: number): OfflineCheck {
  const useId = mac(secret, 'lock-offline-use-v1', code).subarray(0, 16);
  const invalid = { valid: false, singleUse: false, useId, startMs: 0 };
  if (code.length !== OFFLINE_CODE_LENGTH || !/^[0-9]+$/.test(code)) return invalid;
  const cls = Number(code[0]);
  const kind = OFFLINE_CLASSES[cls];
  if (!kind) return invalid;
  const nowHour = Math.floor(nowMs / 3_600_000);
  const startHour = nowHour - ((nowHour - Number(code.slice(1, 4))) % 1000 + 1000) % 1000;
  const expected = Buffer.from(offlineMac(secret, lockId, startHour, cls));
  const given = Buffer.from(code.slice(4));
  const macOk = timingSafeEqual(expected, given);
  return { valid: macOk && nowHour < startHour + kind.hours, singleUse: kind.singleUse, useId, startMs: startHour * 3_600_000 };
}
