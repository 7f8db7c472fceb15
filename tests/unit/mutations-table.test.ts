// The mutation probe's table (tools/mutations.ts) follows the code: each rule's text occurs exactly
// once where it says, so `npm run mutate` never skips a rule because the code moved.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MUTATIONS } from '../../tools/mutations.js';

describe('mutation table', () => {
  it('every mutation finds its text exactly once, changes it, and names test files that exist', () => {
    const stale = MUTATIONS.filter((m) => readFileSync(m.file, 'utf8').split(m.find).length !== 2).map((m) => m.id);
    expect(stale).toEqual([]);
    expect(MUTATIONS.filter((m) => m.find === m.replace).map((m) => m.id)).toEqual([]);
    for (const m of MUTATIONS) for (const t of m.tests) expect(() => readFileSync(t), `${m.id}: ${t}`).not.toThrow();
    expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
  });
});
