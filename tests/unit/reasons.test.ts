// docs/PROTOCOL.md lists exactly the reasons, causes, outcomes, alarm kinds and event types the
// code can produce (firmware/reasons.ts), both ways: a value the code adds and the document lacks
// fails here, and so does a value the document promises and the code no longer has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DECISION_REASONS, DOOR_REASONS, FAULT_CODES, OPERATION_OUTCOMES, REASON_SETS, VISIT_ABORTS } from '../../firmware/reasons.js';
import { PAIRING_ERRORS } from '../../firmware/pairing/protocol.js';
import { ManualClock } from '../helpers/manual-clock.js';

const doc = readFileSync('docs/PROTOCOL.md', 'utf8');

/** Each `<!-- reasons:NAME -->` table: the backticked values of its first column. */
function documentedSets(text: string): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const marker = /^<!-- reasons:([a-z-]+) -->$/.exec(line.trim());
    if (!marker) return;
    if (sets.has(marker[1]!)) throw new Error(`two tables for reasons:${marker[1]}`);
    const values: string[] = [];
    // The header row and its separator, then one row per value until the table ends.
    for (let j = i + 3; j < lines.length && lines[j]!.startsWith('|'); j++) {
      const first = lines[j]!.split('|')[1]!;
      values.push(...[...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    }
    sets.set(marker[1]!, values);
  });
  return sets;
}

describe('PROTOCOL.md and the code name the same closed sets', () => {
  const documented = documentedSets(doc);

  it('every set in the code has its table, and every table its set', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(REASON_SETS).sort());
  });

  for (const [name, values] of Object.entries(REASON_SETS)) {
    it(`${name}: the same values, each once`, () => {
      const listed = documented.get(name) ?? [];
      expect(new Set(listed).size, `a value listed twice in reasons:${name}`).toBe(listed.length);
      expect([...listed].sort()).toEqual([...values].sort());
    });
  }

  it('the parser reads what it should: a value added to the code alone, or to the document alone, is caught', () => {
    const extra = doc.replace('| `unknown-code` |', '| `unknown-code` |\n| `made-up` | x |');
    expect(documentedSets(extra).get('decision')).toContain('made-up');
    expect(documentedSets(extra).get('decision')).not.toEqual(documented.get('decision'));
    expect([...documentedSets(doc).get('decision')!].sort()).toEqual([...DECISION_REASONS].sort());
  });

  it('the door adds to the decision reasons without reusing one; visit aborts follow the stroke outcomes', () => {
    for (const r of DOOR_REASONS) expect(DECISION_REASONS as readonly string[]).not.toContain(r);
    const aborts = OPERATION_OUTCOMES.filter((o) => o !== 'done' && o !== 'preempted').map((o) => `unlock-${o}`);
    expect([...VISIT_ABORTS].sort()).toEqual(aborts.sort());
  });

  it('the installer error codes of §14 are the code\'s list', () => {
    const table = doc.slice(doc.indexOf('<!-- errors:pairing -->'));
    const listed = documentedSets(table.replace('<!-- errors:pairing -->', '<!-- reasons:pairing -->')).get('pairing');
    expect([...(listed ?? [])].sort()).toEqual([...PAIRING_ERRORS].sort());
  });

  it('faults carry a code from the closed fault set', async () => {
    const { StoreError } = await import('../../firmware/store/store.js');
    const { ConfigError } = await import('../../firmware/config.js');
    const { AccessCore, DEFAULT_ACCESS } = await import('../../firmware/access/core.js');
    const { MemoryStore } = await import('../../firmware/store/store.js');
    const clock = new ManualClock(0);
    expect(FAULT_CODES).toContain(new StoreError('x').code);
    expect(FAULT_CODES).toContain(new ConfigError('x', null).code);
    // An owner key that is a small-order point (the identity) is refused as a trust anchor.
    const smallOrder = Uint8Array.of(1, ...new Uint8Array(31));
    const make = () => new AccessCore({ ...DEFAULT_ACCESS, lockId: 'l', timeZone: 'UTC', ownerKeys: [smallOrder] }, { clock, random: { bytes: (n) => new Uint8Array(n), float: () => 0 }, store: new MemoryStore() });
    expect(make).toThrow(expect.objectContaining({ code: 'E_KEY' }));
  });
});
