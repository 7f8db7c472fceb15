// The zoneinfo reader's edges: malformed TZif files give null (and the schedule falls back to Intl),
// zone names cannot leave the zoneinfo directory, POSIX TZ rule forms, and no Intl on the normal path.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePosixTz, posixOffset } from '../../firmware/access/posix-tz.js';
import { isValidTimeZone, localWeekMinute, localWeekMinuteIntl } from '../../firmware/access/schedule.js';
import { isZoneName, loadZone, parseTzif, ZONEINFO_DIR } from '../../firmware/access/zoneinfo.js';
import { requireZoneinfo } from '../helpers/tools.js';

const noZoneinfo = requireZoneinfo(); // skipped without tzdata (a failure under CI=true)
const berlin = noZoneinfo ? Buffer.alloc(0) : readFileSync(join(ZONEINFO_DIR, 'Europe/Berlin'));
const v1Size = (b: Buffer): number => {
  const c = (i: number): number => b.readUInt32BE(20 + 4 * i);
  return c(3) * 5 + c(4) * 6 + c(5) + c(2) * 8 + c(1) + c(0);
};
const v2At = noZoneinfo ? 0 : 44 + v1Size(berlin); // the second header
const edited = (edit: (b: Buffer) => void): Buffer => {
  const b = Buffer.from(berlin);
  edit(b);
  return b;
};
const dir = mkdtempSync(join(tmpdir(), 'tz-zoneinfo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(noZoneinfo)('TZif parsing', () => {
  it('reads the real file', () => {
    expect(parseTzif(berlin)?.footer).toEqual(parsePosixTz('CET-1CEST,M3.5.0,M10.5.0/3'));
  });

  it.each([
    ['bad magic', edited((b) => b.write('TZiF', 0, 'latin1'))],
    ['bad second magic', edited((b) => b.write('XXXX', v2At, 'latin1'))],
    ['version 1 only', edited((b) => { b[4] = 0; })],
    ['a huge transition count', edited((b) => b.writeUInt32BE(0xffffffff, v2At + 32))],
    ['a huge type count', edited((b) => b.writeUInt32BE(0xffffffff, v2At + 36))],
    ['a huge v1 count', edited((b) => b.writeUInt32BE(0x7fffffff, 32))],
    ['leap seconds', edited((b) => b.writeUInt32BE(1, v2At + 28))],
    ['no types', edited((b) => b.writeUInt32BE(0, v2At + 36))],
    ['a transition to a type that does not exist', edited((b) => { b[v2At + 44 + b.readUInt32BE(v2At + 32) * 8] = 200; })],
    ['transitions out of order', edited((b) => b.writeBigInt64BE(BigInt(2 ** 40), v2At + 44))],
    ['a malformed footer', Buffer.concat([berlin.subarray(0, berlin.lastIndexOf(0x0a, berlin.length - 2)), Buffer.from('\nCET-1CEST,M3.5.0\n')])],
    ['no footer newline', berlin.subarray(0, berlin.length - 1)],
    ['an empty file', Buffer.alloc(0)],
  ])('%s: null', (_, b) => {
    expect(parseTzif(b)).toBeNull();
  });

  it('every truncation of a real file: null, never a throw', () => {
    for (let n = 0; n < berlin.length; n++) expect(parseTzif(berlin.subarray(0, n))).toBeNull();
  });

  it('loadZone: null for a missing, malformed or directory entry, rules for a good copy', () => {
    mkdirSync(join(dir, 'Test'));
    copyFileSync(join(ZONEINFO_DIR, 'Europe/Berlin'), join(dir, 'Test/Good'));
    writeFileSync(join(dir, 'Test/Bad'), berlin.subarray(0, 100));
    expect(loadZone('Test/Good', dir)).not.toBeNull();
    expect(loadZone('Test/Bad', dir)).toBeNull();
    expect(loadZone('Test/Missing', dir)).toBeNull();
    expect(loadZone('Test', dir)).toBeNull();
  });
});

describe.skipIf(noZoneinfo)('zone names', () => {
  it.each(['Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Etc/GMT-14', 'America/Port-au-Prince', 'UTC', 'EST5EDT'])('%s is a name', (n) => {
    expect(isZoneName(n)).toBe(true);
    expect(isValidTimeZone(n)).toBe(true);
  });

  it.each(['../../../etc/passwd', '/etc/passwd', 'Europe/../../../etc/passwd', 'Europe/./Berlin', 'Europe//Berlin', 'Europe/Berlin/', '', 'zone.tab', 'Europe/Berlin\0', '-x', 'A'.repeat(65), 'Europe/Berlin\n'])('%j is refused without reading anything', (n) => {
    expect(isZoneName(n)).toBe(false);
    expect(loadZone(n)).toBeNull();
    expect(isValidTimeZone(n)).toBe(false);
  });

  it('names the zoneinfo directory holds but are no zone are refused (Intl does not know them either)', () => {
    expect(isValidTimeZone('leapseconds')).toBe(false); // a file there, not TZif
    expect(isValidTimeZone('America')).toBe(false); // a directory
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe.skipIf(noZoneinfo)('fallback to Intl', () => {
  it('a name Intl knows but zoneinfo has no file for (Intl ignores case) still reads local time', () => {
    expect(loadZone('europe/berlin')).toBeNull();
    expect(isValidTimeZone('europe/berlin')).toBe(true);
    for (const t of [Date.parse('2026-03-29T00:59:59Z'), Date.parse('2026-03-29T01:00:00Z'), Date.parse('2026-07-01T12:00:00Z')]) {
      expect(localWeekMinute(t, 'europe/berlin')).toEqual(localWeekMinuteIntl(t, 'Europe/Berlin'));
    }
  });

  it('the normal path creates no Intl.DateTimeFormat', () => {
    const real = Intl.DateTimeFormat;
    Intl.DateTimeFormat = function () { throw new Error('Intl.DateTimeFormat on the normal path'); } as unknown as typeof Intl.DateTimeFormat;
    try {
      expect(isValidTimeZone('Asia/Tokyo')).toBe(true);
      const { day, minute } = localWeekMinute(Date.parse('2026-11-30T06:00:00Z'), 'Asia/Tokyo');
      expect({ day, minute }).toEqual({ day: 0, minute: 15 * 60 }); // Monday 15:00 JST
    } finally {
      Intl.DateTimeFormat = real;
    }
  });
});

describe('POSIX TZ rules', () => {
  const at = (tz: string, iso: string): number => posixOffset(parsePosixTz(tz)!, Date.parse(iso) / 1000).offset / 3600;

  it('Jn never counts February 29: J60 is March 1, leap year or not', () => {
    expect(at('AAA0BBB-1,J60/0,J300/0', '2028-02-29T23:59:59Z')).toBe(0);
    expect(at('AAA0BBB-1,J60/0,J300/0', '2028-03-01T00:00:00Z')).toBe(1);
    expect(at('AAA0BBB-1,J60/0,J300/0', '2027-03-01T00:00:00Z')).toBe(1);
  });

  it('n counts February 29: day 59 is February 29 in a leap year, March 1 otherwise', () => {
    expect(at('AAA0BBB-1,59/0,300/0', '2028-02-29T00:00:00Z')).toBe(1);
    expect(at('AAA0BBB-1,59/0,300/0', '2027-02-28T23:59:59Z')).toBe(0);
    expect(at('AAA0BBB-1,59/0,300/0', '2027-03-01T00:00:00Z')).toBe(1);
  });

  it('a negative time and one past 24:00 land on the day before and after', () => {
    // M3.5.0/-1: last Sunday of March 2030 is the 31st, so 23:00 on the 30th local (UTC+0).
    expect(at('AAA0BBB-1,M3.5.0/-1,M10.5.0', '2030-03-30T22:59:59Z')).toBe(0);
    expect(at('AAA0BBB-1,M3.5.0/-1,M10.5.0', '2030-03-30T23:00:00Z')).toBe(1);
    // M3.1.0/49: first Sunday of March 2030 is the 3rd; +49 h is 01:00 on the 5th.
    expect(at('AAA0BBB-1,M3.1.0/49,M10.5.0', '2030-03-05T00:59:59Z')).toBe(0);
    expect(at('AAA0BBB-1,M3.1.0/49,M10.5.0', '2030-03-05T01:00:00Z')).toBe(1);
    expect(at('AAA0BBB-1,M3.1.0/-49,M10.5.0', '2030-02-28T22:59:59Z')).toBe(0);
    expect(at('AAA0BBB-1,M3.1.0/-49,M10.5.0', '2030-02-28T23:00:00Z')).toBe(1);
  });

  it('daylight time all year (RFC 8536 3.3.1) and a southern-hemisphere rule', () => {
    for (const iso of ['2030-01-01T00:00:00Z', '2030-06-01T00:00:00Z', '2030-12-31T23:59:59Z']) expect(at('EST5EDT,0/0,J365/25', iso)).toBe(-4);
    expect(at('<+1030>-10:30<+11>-11,M10.1.0,M4.1.0', '2030-01-01T00:00:00Z')).toBe(11);
    expect(at('<+1030>-10:30<+11>-11,M10.1.0,M4.1.0', '2030-07-01T00:00:00Z')).toBe(10.5);
  });

  it.each(['', 'CET', 'CET-1CEST', 'CET-1CEST,M3.5.0', 'CET-1CEST,M13.5.0,M10.5.0', 'CET-1CEST,M3.6.0,M10.5.0', 'CET-1CEST,J0,J100', 'CET-1CEST,366,100', 'CET-1CEST,M3.5.0/168,M10.5.0', 'CET-25', 'CE-1', '<+01-1', 'CET-1CEST,M3.5.0,M10.5.0x'])('%j is malformed', (tz) => {
    expect(parsePosixTz(tz)).toBeNull();
  });
});
