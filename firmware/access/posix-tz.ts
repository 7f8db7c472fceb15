// POSIX TZ strings (the footer of a TZif file, RFC 8536 section 3.3), e.g. `CET-1CEST,M3.5.0,M10.5.0/3`:
// parsed once, then the UTC offset at an instant and the instant of the next change, by arithmetic.

/** A rule date: `Jn` (1-365, Feb 29 never counted), `n` (0-365, counted), or `Mm.w.d`, at `time` seconds local. */
type RuleDate = { kind: 'J'; day: number; time: number } | { kind: 'n'; day: number; time: number } | { kind: 'M'; month: number; week: number; weekday: number; time: number };

export interface PosixTz {
  /** Standard time's offset from UTC in seconds (local = UTC + offset): the sign is the reverse of the string's. */
  std: number;
  /** Daylight time: its offset and the dates it starts and ends, or null when the zone has none. */
  dst: { offset: number; start: RuleDate; end: RuleDate } | null;
}

const DAY_S = 86_400;
const NAME = /^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)/;
// RFC 8536 extends POSIX: hours up to 167 and negative rule times; offsets stay within a day.
const TIME = /^([+-]?)(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?/;

/** Parses a TZ string; null when it is malformed (the caller then falls back). */
export function parsePosixTz(text: string): PosixTz | null {
  let rest = text;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length);
    return m;
  };
  const time = (maxHours: number): number | null => {
    const m = take(TIME);
    if (!m) return null;
    const [h, min, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    if (h > maxHours || min > 59 || s > 59) return null;
    return (m[1] === '-' ? -1 : 1) * (h * 3600 + min * 60 + s);
  };
  if (!take(NAME)) return null;
  const stdWest = time(24);
  if (stdWest === null) return null;
  if (rest === '') return { std: 0 - stdWest, dst: null };
  if (!take(NAME)) return null;
  let dstWest = stdWest - 3600;
  if (rest !== '' && rest[0] !== ',') {
    const t = time(24);
    if (t === null) return null;
    dstWest = t;
  }
  const date = (): RuleDate | null => {
    const m = take(/^,(?:J(\d{1,3})|(\d{1,3})|M(\d{1,2})\.(\d)\.(\d))/);
    if (!m) return null;
    let at = 7200;
    if (rest[0] === '/') {
      rest = rest.slice(1);
      const t = time(167);
      if (t === null) return null;
      at = t;
    }
    if (m[1] !== undefined) return Number(m[1]) >= 1 && Number(m[1]) <= 365 ? { kind: 'J', day: Number(m[1]), time: at } : null;
    if (m[2] !== undefined) return Number(m[2]) <= 365 ? { kind: 'n', day: Number(m[2]), time: at } : null;
    const [month, week, weekday] = [Number(m[3]), Number(m[4]), Number(m[5])];
    return month >= 1 && month <= 12 && week >= 1 && week <= 5 && weekday <= 6 ? { kind: 'M', month, week, weekday, time: at } : null;
  };
  // Without a rule POSIX leaves the dates to the implementation; the TZif footer always has one.
  const start = date();
  const end = start && date();
  if (!start || !end || rest !== '') return null;
  return { std: 0 - stdWest, dst: { offset: 0 - dstWest, start, end } };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Seconds from the epoch to local midnight starting the rule's day in `year`, plus the rule's time. */
function ruleLocal(year: number, r: RuleDate): number {
  const jan1 = Date.UTC(year, 0, 1) / 1000;
  if (r.kind === 'J') return jan1 + (r.day - 1 + (isLeap(year) && r.day >= 60 ? 1 : 0)) * DAY_S + r.time;
  if (r.kind === 'n') return jan1 + r.day * DAY_S + r.time;
  const first = Date.UTC(year, r.month - 1, 1) / 1000;
  const firstWeekday = (((first / DAY_S + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (Sunday = 0)
  let day = ((r.weekday - firstWeekday + 7) % 7) + (r.week - 1) * 7;
  const monthDays = (Date.UTC(year, r.month, 1) / 1000 - first) / DAY_S;
  while (day >= monthDays) day -= 7; // week 5 means the last such weekday
  return first + day * DAY_S + r.time;
}

/** The offset in force at `t` (seconds) and the first second after `t` it changes (or a bound it holds to). */
export function posixOffset(tz: PosixTz, t: number): { offset: number; until: number } {
  const { dst } = tz;
  if (!dst) return { offset: tz.std, until: Infinity };
  const year = new Date(t * 1000).getUTCFullYear();
  // A start's local time is in standard time, an end's in daylight time; rule times reach 167 h, so
  // look from two years back to one ahead, in order (an end before a start at the same instant).
  let offset = tz.std;
  let until = Date.UTC(year + 1, 0, 1) / 1000;
  let found = false;
  for (let y = year - 2; y <= year + 1; y++) {
    const s = ruleLocal(y, dst.start) - tz.std;
    const e = ruleLocal(y, dst.end) - dst.offset;
    const changes = e <= s ? [e, tz.std, s, dst.offset] : [s, dst.offset, e, tz.std];
    for (let i = 0; i < 4; i += 2) {
      const at = changes[i]!;
      const to = changes[i + 1]!;
      if (at <= t) offset = to;
      else if (!found && to !== offset) {
        until = at;
        found = true;
      }
    }
    if (found) break;
  }
  return { offset, until: found ? until : Math.max(until, t + 1) };
}
