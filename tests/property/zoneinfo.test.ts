// The system's zoneinfo read by firmware/access/zoneinfo.ts against Intl (the oracle): the same UTC
// offset in many zones at many instants, around every transition, far back and after 2037 (the footer).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadZone, zoneOffset, type ZoneRules } from '../../firmware/access/zoneinfo.js';
import { requireZoneinfo } from '../helpers/tools.js';

// DST both ways, a 30-minute DST (Lord Howe), 45-minute and half-hour offsets, a 2-hour DST (Troll),
// rule times past 24:00 (Jerusalem, Santiago) and below zero (Nuuk), a negative DST (Dublin),
// Ramadan-driven changes (Casablanca), abolished DST (Sao Paulo, Tehran) and fixed zones.
const ZONES = [
  'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham',
  'Africa/Casablanca', 'America/St_Johns', 'Antarctica/Troll', 'UTC', 'Etc/GMT+5', 'Etc/GMT-14', 'Asia/Jerusalem',
  'America/Santiago', 'America/Nuuk', 'Europe/Dublin', 'Asia/Tehran', 'Asia/Kathmandu', 'Australia/Adelaide', 'Pacific/Apia',
  'America/Argentina/Buenos_Aires', 'Europe/London', 'Africa/Cairo', 'America/Los_Angeles', 'Pacific/Kiritimati',
];
const YEAR_S = 365.2425 * 86_400;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Intl's offset (seconds) at `t` (seconds), from the wall clock it shows. */
function intlOffset(zone: string, t: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t * 1000)) p[part.type] = part.value;
  const year = p.era === 'BC' ? 1 - Number(p.year) : Number(p.year);
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
  wall.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second));
  return wall.getTime() / 1000 - t;
}

function zone(name: string): ZoneRules {
  const z = loadZone(name);
  if (!z) throw new Error(`no zoneinfo for ${name}: install tzdata`);
  return z;
}

function agree(name: string, z: ZoneRules, t: number): void {
  const { offset, until } = zoneOffset(z, t);
  expect(offset, `${name} at ${new Date(t * 1000).toISOString()}`).toBe(intlOffset(name, t));
  expect(until).toBeGreaterThan(t);
  // The offset holds up to `until`: the last second before it shows the same.
  if (Number.isFinite(until)) expect(zoneOffset(z, until - 1).offset).toBe(offset);
}

describe.skipIf(requireZoneinfo())('zoneinfo against Intl', () => {
  it.each(ZONES)('%s: every transition 1970-2037 and the seconds around it', (name) => {
    const z = zone(name);
    for (const at of z.times) {
      if (at < 0 || at > 2_145_916_800) continue;
      for (const t of [at - 3601, at - 1, at, at + 1, at + 3600]) agree(name, z, t);
    }
  });

  it.each(ZONES)('%s: after 2037, where the footer rule applies, through each computed change', (name) => {
    const z = zone(name);
    let t = Date.UTC(2038, 0, 1) / 1000;
    const end = Date.UTC(2100, 0, 1) / 1000;
    while (t < end) {
      agree(name, z, t);
      const { until } = zoneOffset(z, t);
      if (!Number.isFinite(until) || until > end) break;
      for (const s of [until - 1, until, until + 1]) agree(name, z, s);
      t = until + 1;
    }
  });

  it('agrees at arbitrary instants from 1800 to 2200 in every zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Math.round(-170 * YEAR_S), max: Math.round(230 * YEAR_S) }), (name, t) => {
        agree(name, zone(name), t);
      }),
      { numRuns: 3000, seed: 17 },
    );
  });
});
