// The guess budgets in figures (docs/SECURITY.md): how long an attacker needs, at best, to guess a
// PIN or an offline code under the keypad lockout rule, computed from its configuration. The best
// strategy is greedy (guess whenever the channel is open): lockouts double to their ceiling and
// only a quiet day steps them down, so waiting never pays. tests/unit/guess-budget.test.ts checks
// these figures against an attacker simulated on the real `Lockout` and against SECURITY.md.
import { DEFAULT_LOCKOUT, type LockoutConfig } from '../../firmware/keypad/lockout.js';

const DAY = 86_400_000;

/** Time (ms) a greedy attacker needs for `guesses` wrong codes on one channel (entry takes no time). */
export function timeForGuesses(guesses: number, c: LockoutConfig = DEFAULT_LOCKOUT): number {
  const lockouts = Math.max(0, Math.ceil(guesses / c.wrongCodeLimit) - 1);
  let ms = 0;
  let level = 0;
  for (; level < lockouts && c.disableMs * 2 ** level < c.maxDisableMs; level++) ms += c.disableMs * 2 ** level;
  return ms + (lockouts - level) * c.maxDisableMs;
}

export interface Figure {
  secret: string;
  /** Expected guesses to find it. */
  guesses: number;
  /** Channels it can be guessed on at once, each with its own budget. */
  channels: number;
  days: number;
}

/** Expected time to guess each secret under `c`. PINs: keypad and Home Assistant; offline codes: the keypad only. */
export function guessFigures(c: LockoutConfig = DEFAULT_LOCKOUT): Figure[] {
  const figure = (secret: string, guesses: number, channels: number) => ({ secret, guesses, channels, days: timeForGuesses(Math.ceil(guesses / channels), c) / DAY });
  return [
    figure('4-digit PIN', 10 ** 4 / 2, 2),
    figure('6-digit PIN', 10 ** 6 / 2, 2),
    figure('8-digit PIN', 10 ** 8 / 2, 2),
    // A new start hour brings a new MAC: guesses are independent, 1 in 10^6 each.
    figure('offline code (6-digit MAC)', 10 ** 6, 1),
  ];
}

const human = (days: number) => (days < 2 ? `${(days * 24).toFixed(1)} hours` : days < 730 ? `${days.toFixed(1)} days` : `${(days / 365.25).toFixed(1)} years`);

/** The table as SECURITY.md shows it. */
export function guessTable(c: LockoutConfig = DEFAULT_LOCKOUT): string {
  const rows = guessFigures(c).map((f) => `| ${f.secret} | ${f.guesses.toLocaleString('en-US')} | ${f.channels === 2 ? 'keypad + Home Assistant' : 'keypad'} | ${human(f.days)} |`);
  return ['| secret | expected guesses | channels, each with its own budget | expected time |', '|---|---|---|---|', ...rows].join('\n');
}
