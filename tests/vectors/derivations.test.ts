// The keyed digests and ids of PROTOCOL.md §3, §9 and §13 (tests/vectors/derivations.json) are what the
// lock's own code computes: PIN digests, offline codes, their windows and use ids, delegated grant ids,
// tracking digests and use ids. The stranger client (tests/stranger) checks the same file from the doc.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DerivationFile, derivationVectors } from '../../tools/gen-derivation-vectors.js';

const file = JSON.parse(readFileSync(new URL('./derivations.json', import.meta.url), 'utf8')) as DerivationFile;
const computed = derivationVectors();

describe('derivation vectors (tests/vectors/derivations.json)', () => {
  it('covers every kind an owner\'s app computes', () => {
    expect(new Set(file.cases.map((c) => c.kind))).toEqual(new Set(['pin-digest', 'offline-code', 'offline-check', 'grant-id', 'tracking-digest', 'tracking-use-id']));
    expect(file.cases.filter((c) => c.kind === 'offline-check').map((c) => c.expect.valid)).toContain(false);
  });
  it.each(file.cases.map((c) => [c.id, c] as const))('%s: the firmware computes what the file says', (id, c) => {
    expect(computed.cases.find((x) => x.id === id)).toEqual(c);
  });
  it('the file is what the generator writes (npx tsx tools/gen-derivation-vectors.ts)', () => {
    expect({ ...computed, cases: computed.cases.length }).toEqual({ ...file, cases: file.cases.length });
  });
});
