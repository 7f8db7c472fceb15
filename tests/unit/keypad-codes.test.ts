// Keypad code rules at their edges (firmware/keypad/codes.ts), found by the mutation probe: an
// offline code opens only with its MAC, its window ends on the hour its class says, and a tracking
// number is bounded.
import { describe, expect, it } from 'vitest';
import { checkOfflineCode, normalizeTracking, OFFLINE_CLASSES, offlineCode, TRACKING_MAX } from '../../firmware/keypad/codes.js';

const SECRET = new Uint8Array(32).fill(0x42);
const LOCK = 'front-door';
const HOUR = 3_600_000;
const START = Date.parse('2026-06-01T08:00:00Z');

describe('offline codes', () => {
  it.each(OFFLINE_CLASSES.map((c, cls) => [cls, c.hours] as const))('class %i is valid for %i hour(s) from its start hour, not a millisecond more', (cls, hours) => {
    const code = offlineCode(SECRET, LOCK, START + 1234, cls);
    expect(checkOfflineCode(SECRET, LOCK, code, START).valid).toBe(true);
    expect(checkOfflineCode(SECRET, LOCK, code, START + hours * HOUR - 1).valid).toBe(true);
    expect(checkOfflineCode(SECRET, LOCK, code, START + hours * HOUR).valid).toBe(false);
  });
});

describe('offline codes are checked by their MAC', () => {
  it('a code of the right form with any other MAC, or of another length, is not valid', () => {
    const code = offlineCode(SECRET, LOCK, START, 1);
    const forged = `${code.slice(0, 9)}${(Number(code[9]) + 1) % 10}`;
    expect(checkOfflineCode(SECRET, LOCK, forged, START).valid).toBe(false);
    expect(checkOfflineCode(new Uint8Array(32).fill(0x43), LOCK, code, START).valid).toBe(false); // another lock's secret
    expect(checkOfflineCode(SECRET, LOCK, `${code}0`, START).valid).toBe(false);
    expect(checkOfflineCode(SECRET, LOCK, code, START).valid).toBe(true);
  });
});

describe('tracking numbers', () => {
  it('are 1 to 64 printable characters once spaces and dashes are gone', () => {
    expect(normalizeTracking('1z-999 aa1')).toBe('1Z999AA1');
    expect(normalizeTracking('A'.repeat(TRACKING_MAX))).toBe('A'.repeat(TRACKING_MAX));
    expect(normalizeTracking('A'.repeat(TRACKING_MAX + 1))).toBeNull();
    expect(normalizeTracking(' - ')).toBeNull();
  });
});
