// Weekly windows in the lock's IANA time zone. A window is wall-clock time ("Mon-Fri 09:00-17:00"),
// so its instants move with daylight saving. The zone's UTC offset comes from the system's zoneinfo
// (./zoneinfo.ts; Intl only where that file is missing or malformed, since ICU's zone data costs
// ~8 MiB resident) and is cached until the zone's next transition, so a check is arithmetic. A
// skipped hour (spring) simply never occurs; a repeated hour (autumn) is in the window both times.
import type { Window } from './grant.js';
import { isZoneName, loadZone, zoneOffset, type ZoneRules } from './zoneinfo.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const DAY_MS = 86_400_000;
/** How far ahead an offset is trusted without a new look; transitions are months apart, never two a day. */
const HORIZON_DAYS = 8;

const zones = new Map<string, ZoneRules | null>();

/** The zone's rules from zoneinfo, read once; null where the lock must ask Intl. */
function rules(zone: string): ZoneRules | null {
  let z = zones.get(zone);
  if (z === undefined) {
    z = loadZone(zone);
    zones.set(zone, z);
  }
  return z;
}

/** True when `zone` is an IANA-like name that zoneinfo has (or, failing that, this runtime's Intl knows). */
export function isValidTimeZone(zone: string): boolean {
  if (!isZoneName(zone)) return false;
  const z = zones.get(zone) ?? loadZone(zone); // names that fail are not remembered (they come from outside)
  if (z) {
    zones.set(zone, z);
    return true;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    const fields = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' } as const;
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hourCycle: 'h23', ...fields });
    formatters.set(zone, f);
  }
  return f;
}

/** Day of week (0 = Monday) and minute of the day of `ms` in `zone`, read through Intl: the reference. */
export function localWeekMinuteIntl(ms: number, zone: string): { day: number; minute: number } {
  const p = parts(ms, zone);
  return { day: p.weekday, minute: p.hour * 60 + p.minute };
}

function parts(ms: number, zone: string) {
  const p = { weekday: 0, year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(ms)) {
    if (part.type === 'weekday') p.weekday = WEEKDAY[part.value] ?? 0;
    else if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  return p;
}

/** The zone's offset from UTC at `ms` (ms; local = UTC + offset), to the second. */
function offsetAt(ms: number, zone: string): number {
  const p = parts(ms, zone);
  const second = Math.floor(ms / 1000) * 1000;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - second;
}

interface OffsetSpan {
  from: number;
  until: number;
  offset: number;
}
const spans = new Map<string, OffsetSpan>();

/** The offset at `ms` and how long it holds: up to the zone's next transition. */
function offsetSpan(ms: number, zone: string): OffsetSpan {
  const from = Math.floor(ms / 1000) * 1000;
  const z = rules(zone);
  if (z) {
    const { offset, until } = zoneOffset(z, from / 1000);
    return { from, until: until * 1000, offset: offset * 1000 };
  }
  return offsetSpanIntl(from, zone);
}

/** As offsetSpan, through Intl: up to the next transition, or HORIZON_DAYS if none comes sooner. */
function offsetSpanIntl(from: number, zone: string): OffsetSpan {
  const offset = offsetAt(from, zone);
  let until = from + HORIZON_DAYS * DAY_MS;
  for (let day = 1; day <= HORIZON_DAYS; day++) {
    const probe = from + day * DAY_MS;
    if (offsetAt(probe, zone) === offset) continue;
    // The transition lies in (probe - 1 day, probe]: find its first second.
    let lo = probe - DAY_MS; // offset here is `offset`
    let hi = probe; // and here it is not
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(mid, zone) === offset) lo = mid;
      else hi = mid;
    }
    until = hi;
    break;
  }
  return { from, until, offset };
}

/** Day of week (0 = Monday) and minute of the day of instant `ms` in `zone`. */
export function localWeekMinute(ms: number, zone: string): { day: number; minute: number } {
  const weekMinute = minuteOfWeek(ms, zone);
  return { day: Math.floor(weekMinute / 1440), minute: weekMinute % 1440 };
}

/** `localWeekMinute` as one number, day * 1440 + minute (no object built: it runs on every decision). */
function minuteOfWeek(ms: number, zone: string): number {
  let span = spans.get(zone);
  if (!span || ms < span.from || ms >= span.until) {
    span = offsetSpan(ms, zone);
    spans.set(zone, span);
  }
  const local = ms + span.offset;
  const days = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday (3, counting from Monday = 0).
  return ((((days + 3) % 7) + 7) % 7) * 1440 + Math.floor((local - days * DAY_MS) / 60_000);
}

export function inSchedule(windows: readonly Window[], ms: number, zone: string): boolean {
  const weekMinute = minuteOfWeek(ms, zone);
  const day = Math.floor(weekMinute / 1440);
  const minute = weekMinute - day * 1440;
  const bit = 1 << day;
  for (const w of windows) if ((w.days & bit) !== 0 && minute >= w.start && minute < w.end) return true;
  return false;
}

/** Every child window lies inside one parent window (same or fewer days, same or shorter hours). */
export function scheduleWithin(child: readonly Window[] | null, parent: readonly Window[] | null): boolean {
  if (parent === null) return true;
  if (child === null) return false; // an unrestricted child under a restricted parent widens it
  return child.every((c) => parent.some((p) => (c.days & ~p.days) === 0 && c.start >= p.start && c.end <= p.end));
}
