// A zone's UTC offsets from the system's time-zone database (TZif files, RFC 8536, /usr/share/zoneinfo),
// so the lock never loads ICU's time-zone data. Anything missing or malformed gives null: the caller falls back.
import { readFileSync, statSync } from 'node:fs';
import { parsePosixTz, posixOffset, type PosixTz } from './posix-tz.js';

export const ZONEINFO_DIR = '/usr/share/zoneinfo';

/** IANA-like names only: letters first, then letters, digits, `_`, `-`, `+` in `/`-separated parts (no dots, no absolute paths). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const MAX_FILE = 1 << 20;

export function isZoneName(name: string): boolean {
  return name.length <= 64 && ZONE_NAME.test(name);
}

export interface ZoneRules {
  /** Transition instants in seconds, ascending. */
  times: Float64Array;
  /** The offset (seconds) in force from each transition on. */
  offsets: Int32Array;
  /** The offset before the first transition. */
  initial: number;
  /** The rule after the last transition, or null when the last transition's offset simply holds. */
  footer: PosixTz | null;
}

/** Reads and parses `<dir>/<name>`; null when the name is refused or the file is missing, unreadable or malformed. */
export function loadZone(name: string, dir = ZONEINFO_DIR): ZoneRules | null {
  if (!isZoneName(name)) return null;
  try {
    const path = `${dir}/${name}`;
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_FILE) return null;
    return parseTzif(readFileSync(path));
  } catch {
    return null;
  }
}

interface Header {
  version: number;
  isut: number;
  isstd: number;
  leap: number;
  time: number;
  type: number;
  char: number;
}

function header(b: Buffer, at: number): Header | null {
  if (b.length < at + 44 || b.toString('latin1', at, at + 4) !== 'TZif') return null;
  const c = (i: number): number => b.readUInt32BE(at + 20 + 4 * i);
  return { version: b[at + 4]!, isut: c(0), isstd: c(1), leap: c(2), time: c(3), type: c(4), char: c(5) };
}

/** The version 2+ data block (64-bit transitions) and footer of a TZif file; null unless well formed. */
export function parseTzif(b: Buffer): ZoneRules | null {
  const v1 = header(b, 0);
  if (!v1 || v1.version < 0x32) return null; // version 1 files have no 64-bit block and no footer
  const v1Size = v1.time * 5 + v1.type * 6 + v1.char + v1.leap * 8 + v1.isstd + v1.isut;
  const h = header(b, 44 + v1Size);
  if (!h || h.version < 0x32) return null;
  // Leap-second ("right/") zones count TAI-like seconds: not for us.
  if (h.leap !== 0 || h.type === 0 || h.type > 256 || h.char === 0) return null;
  if ((h.isut !== 0 && h.isut !== h.type) || (h.isstd !== 0 && h.isstd !== h.type)) return null;
  const start = 44 + v1Size + 44;
  const size = h.time * 9 + h.type * 6 + h.char + h.isstd + h.isut;
  if (b.length < start + size + 2) return null; // counts claim more than the file holds
  const types = new Int32Array(h.type);
  const typesAt = start + h.time * 9;
  for (let i = 0; i < h.type; i++) {
    const utoff = b.readInt32BE(typesAt + 6 * i);
    if (utoff < -89_999 || utoff > 93_599 || b[typesAt + 6 * i + 4]! > 1 || b[typesAt + 6 * i + 5]! >= h.char) return null;
    types[i] = utoff;
  }
  const times = new Float64Array(h.time);
  const offsets = new Int32Array(h.time);
  for (let i = 0; i < h.time; i++) {
    times[i] = Number(b.readBigInt64BE(start + 8 * i));
    if (i > 0 && times[i]! <= times[i - 1]!) return null;
    const type = b[start + h.time * 8 + i]!;
    if (type >= h.type) return null;
    offsets[i] = types[type]!;
  }
  const footerAt = start + size;
  const footerEnd = b.indexOf(0x0a, footerAt + 1);
  if (b[footerAt] !== 0x0a || footerEnd < 0 || footerEnd !== b.length - 1) return null;
  const text = b.toString('latin1', footerAt + 1, footerEnd);
  const footer = text === '' ? null : parsePosixTz(text);
  if (text !== '' && !footer) return null;
  return { times, offsets, initial: types[0]!, footer };
}

/** The offset (seconds) at `t` (seconds), and the first second after `t` it changes (Infinity if never). */
export function zoneOffset(z: ZoneRules, t: number): { offset: number; until: number } {
  const { times, offsets } = z;
  const n = times.length;
  if (n === 0 || t >= times[n - 1]!) {
    if (z.footer) return posixOffset(z.footer, t);
    return { offset: n === 0 ? z.initial : offsets[n - 1]!, until: Infinity };
  }
  if (t < times[0]!) return { offset: z.initial, until: times[0]! };
  let lo = 0; // times[lo] <= t < times[hi]
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return { offset: offsets[lo]!, until: times[hi]! };
}
