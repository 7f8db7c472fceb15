// The guess-budget figures in docs/SECURITY.md (issue 13): computed by tools/lib/guess-budget.ts,
// checked here against attackers simulated on the real Lockout (greedy is the best they can do),
// and against the table in the document.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT, Lockout } from '../../firmware/keypad/lockout.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { guessFigures, guessTable, timeForGuesses } from '../../tools/lib/guess-budget.js';

const DAY = 86_400_000;

/** An attacker on one channel: `next` says when to try again after a guess at `t`; stops after `max` guesses or at `untilMs`. */
function attack(next: (t: number, lockout: Lockout) => number, limits: { max?: number; untilMs?: number }): { guesses: number; lastAt: number } {
  const lockout = new Lockout(new MemoryStore(), DEFAULT_LOCKOUT);
  let t = 0;
  let guesses = 0;
  let lastAt = 0;
  while (guesses < (limits.max ?? Infinity)) {
    t += lockout.remaining(t);
    if (t > (limits.untilMs ?? Infinity)) break;
    lockout.recordWrong(t);
    guesses++;
    lastAt = t;
    t = next(t, lockout);
  }
  return { guesses, lastAt };
}
const greedy = (t: number) => t;

describe('guess budgets in figures', () => {
  it('the formula is what a greedy attacker achieves on the real Lockout', () => {
    for (const guesses of [1, 5, 6, 40, 2_500]) expect(attack(greedy, { max: guesses }).lastAt, `${guesses} guesses`).toBe(timeForGuesses(guesses));
  });

  it('greedy is the best strategy: spacing guesses under the window, or resting to let lockouts shrink, is slower', () => {
    const week = 7 * DAY;
    const best = attack(greedy, { untilMs: week }).guesses;
    const spaced = attack((t, l) => (l.wrongCodes === DEFAULT_LOCKOUT.wrongCodeLimit - 1 ? t + DEFAULT_LOCKOUT.windowMs : t), { untilMs: week }).guesses;
    const resting = attack((t, l) => (l.lockoutLevel >= 6 && l.remaining(t) > 0 ? t + l.remaining(t) + DEFAULT_LOCKOUT.forgetMs : t), { untilMs: week }).guesses;
    expect(best).toBeGreaterThan(spaced);
    expect(best).toBeGreaterThan(resting);
    expect(best).toBeLessThanOrEqual(7 * 24 * 5 + 40); // 5 an hour once lockouts reach their hour-long ceiling
  });

  it('docs/SECURITY.md shows the computed figures', () => {
    const doc = readFileSync('docs/SECURITY.md', 'utf8');
    expect(doc).toContain(guessTable());
    const [pin4, pin6, pin8, offline] = guessFigures();
    expect(pin4!.days).toBeGreaterThan(14);
    expect(pin6!.days / 365.25).toBeGreaterThan(5);
    expect(pin8!.days / 365.25).toBeGreaterThan(500);
    expect(offline!.days / 365.25).toBeGreaterThan(20);
  });
});

describe('the lockout itself', () => {
  it('doubles with each lockout and stops at maxDisableMs', () => {
    const lockout = new Lockout(new MemoryStore(), DEFAULT_LOCKOUT);
    const lengths: number[] = [];
    let t = 0;
    for (let n = 0; n < 8; n++) {
      let lockedFor: number | null = null;
      for (let i = 0; i < DEFAULT_LOCKOUT.wrongCodeLimit; i++) lockedFor = lockout.recordWrong(t);
      lengths.push(lockedFor!);
      t += lockedFor!;
    }
    expect(lengths).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
  });

  it('the owner\'s reset is durable: after a restart neither the lockout nor its escalation comes back', () => {
    const store = new MemoryStore();
    const lockout = new Lockout(store, DEFAULT_LOCKOUT);
    for (let i = 0; i < DEFAULT_LOCKOUT.wrongCodeLimit; i++) lockout.recordWrong(1_000);
    expect(new Lockout(store, DEFAULT_LOCKOUT).remaining(1_000)).toBe(60_000);
    lockout.reset();
    const again = new Lockout(store, DEFAULT_LOCKOUT);
    expect(again.remaining(1_000)).toBe(0);
    expect(again.lockoutLevel).toBe(0);
  });

  it('refuses a wrong-code limit outside 2-6', () => {
    for (const wrongCodeLimit of [1, 7]) expect(() => new Lockout(new MemoryStore(), { ...DEFAULT_LOCKOUT, wrongCodeLimit })).toThrow(RangeError);
  });
});
