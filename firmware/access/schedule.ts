// Weekly windows in the lock's IANA time zone. A window is wall-clock time ("Mon-Fri 09:00-17:00"),
// so its instants move with daylight saving: evaluated per instant through Intl, never by adding
// fixed offsets. A skipped hour (spring) simply never occurs; a repeated hour (autumn) is in the
// window both times it happens.
import type { Window } from './grant.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** True when `zone` is an IANA zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Day of week (0 = Monday) and minute of the day of instant `ms` in `zone`. */
export function localWeekMinute(ms: number, zone: string): { day: number; minute: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(ms)) {
    if (part.type === 'weekday') day = WEEKDAY[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

export function inSchedule(windows: readonly Window[], ms: number, zone: string): boolean {
  const { day, minute } = localWeekMinute(ms, zone);
  const bit = 1 << day;
  return windows.some((w) => (w.days & bit) !== 0 && minute >= w.start && minute < w.end);
}

/** Every child window lies inside one parent window (same or fewer days, same or shorter hours). */
export function scheduleWithin(child: readonly Window[] | null, parent: readonly Window[] | null): boolean {
  if (parent === null) return true;
  if (child === null) return false; // an unrestricted child under a restricted parent widens it
  return child.every((c) => parent.some((p) => (c.days & ~p.days) === 0 && c.start >= p.start && c.end <= p.end));
}
