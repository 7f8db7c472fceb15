// The challenge book's rules: single use, short-lived, a bounded number outstanding (the oldest
// goes first, and only when the book is full), a full-bytes match, and recent uses remembered.
import { describe, expect, it } from 'vitest';
import { ChallengeBook } from '../../firmware/access/challenges.js';
import { seededRandom } from '../../hal/node/random.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { ManualClock } from '../helpers/manual-clock.js';

const T0 = Date.parse('2026-06-01T10:00:00Z');

function book(options: { ttlMs?: number; maxOpen?: number; rememberUsed?: number; random?: RandomSource } = {}) {
  const clock = new ManualClock(T0);
  const challenges = new ChallengeBook(clock, options.random ?? seededRandom(9), options.ttlMs ?? 30_000, options.maxOpen ?? 64, options.rememberUsed ?? 1024);
  return { clock, challenges };
}

describe('ChallengeBook', () => {
  it('takes a fresh challenge once; the second time it is a replay', () => {
    const { challenges } = book();
    const c = challenges.issue();
    expect(c).toHaveLength(32);
    expect(challenges.take(Uint8Array.from(c))).toBeNull();
    expect(challenges.take(Uint8Array.from(c))).toBe('challenge-replayed');
  });

  it('refuses a challenge it never issued as unknown', () => {
    const { challenges } = book();
    challenges.issue();
    expect(challenges.take(new Uint8Array(32).fill(0xa5))).toBe('challenge-unknown');
  });

  it('refuses a challenge past its lifetime as expired, and it is used up all the same', () => {
    const { clock, challenges } = book({ ttlMs: 1000 });
    const c = challenges.issue();
    clock.set(T0 + 1000);
    const d = challenges.issue();
    expect(challenges.take(d)).toBeNull(); // at its own issue time
    clock.set(T0 + 1001);
    expect(challenges.take(c)).toBe('challenge-expired');
    expect(challenges.take(c)).toBe('challenge-replayed');
  });

  it('compares every byte: the same first bytes with another last byte are refused, and the real one still works', () => {
    const { challenges } = book();
    const c = challenges.issue();
    for (const at of [4, 31]) {
      const forged = Uint8Array.from(c);
      forged[at]! ^= 1;
      expect(challenges.take(forged), `byte ${at}`).toBe('challenge-unknown');
    }
    expect(challenges.take(c)).toBeNull();
  });

  it('keeps its own copy: changing the returned bytes changes nothing', () => {
    const { challenges } = book();
    const c = challenges.issue();
    const kept = Uint8Array.from(c);
    c.fill(0);
    expect(challenges.take(kept)).toBeNull();
  });

  it('holds at most maxOpen outstanding: the next issue drops the oldest, only that one', () => {
    const { challenges } = book({ maxOpen: 4 });
    const issued = Array.from({ length: 5 }, () => challenges.issue());
    expect(challenges.take(issued[0]!)).toBe('challenge-unknown');
    for (const c of issued.slice(1)) expect(challenges.take(c)).toBeNull();
  });

  it('a challenge taken frees its place: below maxOpen outstanding nothing is dropped', () => {
    const { challenges } = book({ maxOpen: 4 });
    const first = challenges.issue();
    const others = Array.from({ length: 3 }, () => challenges.issue());
    for (const c of others) expect(challenges.take(c)).toBeNull();
    const more = Array.from({ length: 3 }, () => challenges.issue());
    expect(challenges.take(first)).toBeNull();
    for (const c of more) expect(challenges.take(c)).toBeNull();
  });

  it('drops the oldest outstanding by issue order, wherever its slot is', () => {
    const { challenges } = book({ maxOpen: 3 });
    const [a, b, c] = [challenges.issue(), challenges.issue(), challenges.issue()];
    expect(challenges.take(a!)).toBeNull(); // frees the first slot
    const d = challenges.issue(); // into the freed slot
    const e = challenges.issue(); // full: b, issued before c and d, goes
    expect(challenges.take(b!)).toBe('challenge-unknown');
    for (const x of [c!, d, e]) expect(challenges.take(x)).toBeNull();
  });

  it('a challenge sharing the first 30 bits of an outstanding one replaces it', () => {
    let n = 0;
    const random: RandomSource = { bytes: (size) => new Uint8Array(size).fill(++n).fill(7, 0, 4), float: () => 0 };
    const { challenges } = book({ random });
    const older = challenges.issue();
    const newer = challenges.issue();
    expect(challenges.take(older)).toBe('challenge-unknown');
    expect(challenges.take(newer)).toBeNull();
  });

  it('remembers the last rememberUsed uses as replays; older ones are only unknown', () => {
    const { challenges } = book({ rememberUsed: 3 });
    const used = Array.from({ length: 4 }, () => {
      const c = challenges.issue();
      expect(challenges.take(c)).toBeNull();
      return c;
    });
    expect(challenges.take(used[0]!)).toBe('challenge-unknown');
    for (const c of used.slice(1)) expect(challenges.take(c)).toBe('challenge-replayed');
  });
});
