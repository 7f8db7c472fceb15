// The grant journal keeps only keys and record sizes in memory (the access core holds the bytes):
// what it hands back is read from the file, a compaction rewrites the live grants from the file,
// and both survive a restart byte for byte.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GrantJournal } from '../../firmware/store/grant-journal.js';

const bytes = (n: number, size: number) => new Uint8Array(size).fill(n & 0xff);
const hexOf = (chains: Map<string, Uint8Array[]>) => new Map([...chains].map(([k, c]) => [k, c.map((b) => Buffer.from(b).toString('hex'))]));

describe('GrantJournal', () => {
  it('hands back the live grants as the file has them: put, replace, remove, across a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grants-'));
    const journal = new GrantJournal(dir);
    const a = [bytes(1, 200)];
    journal.put('a', a);
    journal.put('b', [bytes(2, 150), bytes(3, 90)]);
    journal.put('a', [bytes(4, 210)]);
    journal.put('c', [bytes(5, 100)]);
    journal.remove('c');
    a[0]!.fill(9); // the caller's array is not what the journal hands back: the file is
    const expected = new Map([
      ['a', [Buffer.from(bytes(4, 210)).toString('hex')]],
      ['b', [Buffer.from(bytes(2, 150)).toString('hex'), Buffer.from(bytes(3, 90)).toString('hex')]],
    ]);
    expect(hexOf(journal.all())).toEqual(expected);
    journal.close();
    const again = new GrantJournal(dir);
    expect(hexOf(again.all())).toEqual(expected);
    again.close();
  });

  it('compacts when dead records outweigh live ones, keeping the last version of every live grant and none removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grants-'));
    const journal = new GrantJournal(dir);
    const file = join(dir, 'grants');
    journal.put('kept', [bytes(7, 300)]);
    journal.put('gone', [bytes(8, 300)]);
    journal.remove('gone'); // removed before any compaction: a rewrite must not bring it back
    let appended = 0;
    let rewrites = 0;
    for (let i = 0; i < 400; i++) {
      const before = statSync(file).size;
      journal.put(`g${i % 10}`, [bytes(i, 2000)]);
      appended += 2000;
      if (i % 3 === 0) journal.remove(`g${(i + 5) % 10}`);
      if (statSync(file).size < before) rewrites++;
    }
    expect(appended).toBeGreaterThan(3 * 256 * 1024);
    expect(rewrites).toBeGreaterThan(0);
    expect(statSync(file).size).toBeLessThan(256 * 1024 + 2 * 2100);
    const expected = hexOf(journal.all());
    expect(expected.get('kept')).toEqual([Buffer.from(bytes(7, 300)).toString('hex')]);
    expect(expected.has('gone')).toBe(false);
    expect(expected.get('g9')).toEqual([Buffer.from(bytes(399, 2000)).toString('hex')]);
    journal.close();
    const again = new GrantJournal(dir);
    expect(hexOf(again.all())).toEqual(expected);
    again.close();
  });
});
