// Weekly windows across daylight-saving changes: the cached-offset reading of local time must agree
// with Intl's own at every instant, walking through transitions forward, backward and by jumps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inSchedule, localWeekMinute, localWeekMinuteIntl } from '../../firmware/access/schedule.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Zones with DST both ways, half-hour and 45-minute offsets, a 30-minute DST, and none.
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu', 'Africa/Casablanca', 'UTC'];
// Instants shortly before transitions in 2026 (EU, US, southern hemisphere) and one quiet day.
const STARTS = ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-03-08T05:00:00Z', '2026-11-01T04:00:00Z', '2026-04-04T13:00:00Z', '2026-09-05T13:00:00Z', '2026-07-01T00:00:00Z'].map(Date.parse);

describe('schedule: local time through cached offsets', () => {
  it.each(ZONES)('%s: minute by minute (7-minute steps) through every transition window of 2026, forward', (zone) => {
    for (const start of STARTS) {
      for (let t = start - 6 * HOUR; t < start + 30 * HOUR; t += 7 * MIN + 13_000) {
        expect(localWeekMinute(t, zone), `${zone} ${new Date(t).toISOString()}`).toEqual(localWeekMinuteIntl(t, zone));
      }
    }
  });

  it.each(ZONES)('%s: backwards, and the second before and after each transition', (zone) => {
    for (const start of STARTS) {
      for (let t = start + 30 * HOUR; t > start - 6 * HOUR; t -= 11 * MIN) {
        expect(localWeekMinute(t, zone)).toEqual(localWeekMinuteIntl(t, zone));
      }
    }
    // Exactly around Berlin's spring change (01:00 UTC) and New York's autumn one (06:00 UTC).
    for (const edge of [Date.parse('2026-03-29T01:00:00Z'), Date.parse('2026-11-01T06:00:00Z')]) {
      for (const t of [edge - 1001, edge - 1000, edge - 1, edge, edge + 1, edge + 999]) {
        localWeekMinute(edge - 3 * HOUR, zone); // a span that ends at the edge
        expect(localWeekMinute(t, zone)).toEqual(localWeekMinuteIntl(t, zone));
      }
    }
  });

  it('agrees with Intl at arbitrary instants 1990-2060 in every zone, in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), { minLength: 1, maxLength: 20 }), (zone, instants) => {
        for (const t of instants) {
          expect(localWeekMinute(t, zone)).toEqual(localWeekMinuteIntl(t, zone));
          expect(localWeekMinute(t + 3 * HOUR, zone)).toEqual(localWeekMinuteIntl(t + 3 * HOUR, zone));
        }
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('a 09:00-17:00 Sunday window in Berlin keeps wall-clock hours across the spring change', () => {
    const sunday = [{ days: 1 << 6, start: 9 * 60, end: 17 * 60 }];
    // 2026-03-29 is a Sunday; clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
    expect(inSchedule(sunday, Date.parse('2026-03-29T06:59:00Z'), 'Europe/Berlin')).toBe(false); // 08:59 CEST
    expect(inSchedule(sunday, Date.parse('2026-03-29T07:00:00Z'), 'Europe/Berlin')).toBe(true); // 09:00 CEST
    expect(inSchedule(sunday, Date.parse('2026-03-29T14:59:00Z'), 'Europe/Berlin')).toBe(true); // 16:59 CEST
    expect(inSchedule(sunday, Date.parse('2026-03-29T15:00:00Z'), 'Europe/Berlin')).toBe(false); // 17:00 CEST
  });
});
