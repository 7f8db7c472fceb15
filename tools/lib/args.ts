// Argument parsing for lockctl: every value checked, every error a sentence that says what to type.
import { ROLES, type Role, type Window } from '../../firmware/access/grant.js';
import { hexFile, readInput, type Streams, userPath } from './io.js';
import { type KeyPair, keyFromSeed } from './mint.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function hexBytes(value: string, what: string, length?: number): Uint8Array {
  const clean = value.trim().toLowerCase();
  if (!/^([0-9a-f]{2})*$/.test(clean)) throw new UsageError(`${what} must be hex, got "${value}"`);
  const bytes = Uint8Array.from(Buffer.from(clean, 'hex'));
  if (length !== undefined && bytes.length !== length) throw new UsageError(`${what} must be ${length} bytes (${length * 2} hex digits), got ${bytes.length}`);
  return bytes;
}

/** A key file made by `lockctl keygen` ("-": stdin), relative to the user's directory. */
export function readKey(path: string | undefined, what = '--key', io?: Pick<Streams, 'stdin'>): KeyPair {
  if (!path) throw new UsageError(`${what} is required: a key file made by "lockctl keygen"`);
  return keyFromSeed(hexFile(readInput(userPath(path), what, io), what, path, 'a key file made by "lockctl keygen"'));
}

/** A keypad secret file (64 hex digits, set at pairing), relative to the user's directory. */
export function readSecretFile(path: string | undefined, what = '--secret-file', io?: Pick<Streams, 'stdin'>): Uint8Array {
  if (!path) throw new UsageError(`${what} is required: the lock's keypad secret (64 hex digits), set at pairing`);
  return hexFile(readInput(userPath(path), what, io), what, path, 'a keypad secret');
}

export function role(value: string | undefined): Role {
  if (!value) throw new UsageError(`--role is required: one of ${ROLES.join(', ')}`);
  if (!(ROLES as readonly string[]).includes(value)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${value}"`);
  return value as Role;
}

export function roles(value: string | undefined): Role[] {
  if (!value) throw new UsageError('--roles is required, e.g. --roles delivery,guest');
  return value.split(',').map((r) => {
    if (r === 'owner') throw new UsageError('--roles: the owner role cannot be delegated');
    return role(r);
  });
}

/** ISO 8601 date-time (or "now", or "+2h"/"+30m"/"+7d" from `now`) to NumericDate seconds. */
export function time(value: string | undefined, what: string, now: number): number | null {
  if (value === undefined) return null;
  if (value === 'now') return Math.floor(now / 1000);
  const rel = /^\+(\d+)([smhd])$/.exec(value);
  if (rel) return Math.floor(now / 1000) + Number(rel[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/\d{4}-\d{2}-\d{2}/.test(value)) throw new UsageError(`${what} must be an ISO date-time like 2026-06-01T09:00:00Z, "now" or "+2h", got "${value}"`);
  return Math.floor(ms / 1000);
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "Mon-Fri 09:00-17:00", "Sat,Sun 10:00-12:30", "Daily 00:00-24:00" to a window. */
export function window(value: string): Window {
  const m = /^\s*([A-Za-z,-]+)\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$/.exec(value);
  if (!m) throw new UsageError(`--schedule must look like "Mon-Fri 09:00-17:00", got "${value}"`);
  let days = 0;
  const spec = m[1]!.toLowerCase();
  if (spec === 'daily') days = 0x7f;
  else {
    for (const part of spec.split(',')) {
      const [a, b] = part.split('-');
      const from = DAYS.indexOf(a!.slice(0, 3));
      const to = b === undefined ? from : DAYS.indexOf(b.slice(0, 3));
      if (from < 0 || to < 0) throw new UsageError(`--schedule: unknown day in "${part}" (use Mon..Sun or Daily)`);
      for (let d = from; ; d = (d + 1) % 7) {
        days |= 1 << d;
        if (d === to) break;
      }
    }
  }
  const start = Number(m[2]) * 60 + Number(m[3]);
  const end = Number(m[4]) * 60 + Number(m[5]);
  if (start >= end || end > 1440 || Number(m[3]) > 59 || Number(m[5]) > 59) throw new UsageError(`--schedule: "${value}" must run forwards within one day (split overnight windows in two)`);
  return { days, start, end };
}

export function uint(value: string | undefined, what: string, min: number, max: number): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function describeWindow(w: Window): string {
  const days = DAYS.filter((_, i) => w.days & (1 << i)).map((d) => d[0]!.toUpperCase() + d.slice(1));
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${days.join(',')} ${hm(w.start)}-${hm(w.end)}`;
}
