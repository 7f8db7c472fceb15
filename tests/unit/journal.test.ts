// The CRC journal under the faults a full or failing SD card gives (short writes, ENOSPC, EIO on
// fsync) and across its streaming replay: whole records or nothing, never a fragment in front of a
// later record, damage told from a torn tail even across read windows.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrcJournal, type JournalRecord } from '../../firmware/store/journal.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';

const open = (dir: string, storage?: FaultyStorage) => {
  const seen: JournalRecord[] = [];
  const journal = new CrcJournal(dir, 'j', (r) => (seen.push(r), true), 1 << 20, storage);
  return { journal, seen };
};
const rec = (n: number, size = 16) => Buffer.alloc(size, n & 0xff);

describe('CrcJournal', () => {
  it('a short write is continued: the record lands whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const storage = new FaultyStorage().failNth('write', /\/j$/, 1, { short: 3 });
    const { journal } = open(dir, storage);
    journal.append(1, rec(1));
    journal.close();
    expect(open(dir).seen.map((r) => r.payload.length)).toEqual([16]);
  });

  it('ENOSPC mid-record, or EIO on fsync: the append throws, the fragment is cut back, later records are not lost behind it', () => {
    for (const fault of [{ op: 'write' as const, f: { short: 5 } }, { op: 'write' as const, f: { code: 'ENOSPC' as const } }, { op: 'fsync' as const, f: { code: 'EIO' as const } }]) {
      const dir = mkdtempSync(join(tmpdir(), 'journal-'));
      const storage = new FaultyStorage();
      const { journal } = open(dir, storage);
      journal.append(1, rec(1));
      // A short write that then fails to continue: the first call writes 5 bytes, the next throws.
      if ('short' in fault.f) storage.failNth('write', /\/j$/, 1, fault.f).failNth('write', /\/j$/, 1, { code: 'ENOSPC' });
      else storage.failNth(fault.op, /\/j$/, 1, fault.f);
      expect(() => journal.append(2, rec(2))).toThrow();
      expect(statSync(join(dir, 'j')).size).toBe(journal.size); // nothing of it left on disk
      storage.heal();
      journal.append(3, rec(3));
      journal.close();
      const again = open(dir);
      expect(again.seen.map((r) => r.type), JSON.stringify(fault)).toEqual([1, 3]);
      expect(again.journal.damage).toBeNull();
      expect(again.journal.tornBytes).toBe(0);
    }
  });

  it('replays a file much larger than its read window, and finds damage across window edges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const { journal } = open(dir);
    for (let i = 0; i < 900; i++) journal.append(1, rec(i, 4000)); // ~3.6 MB
    journal.close();
    expect(open(dir).seen).toHaveLength(900);
    const path = join(dir, 'j');
    const bytes = readFileSync(path);
    bytes[1024 * 1024 + 100]! ^= 0xff; // inside a record that straddles the first window's end
    writeFileSync(path, bytes);
    const damaged = open(dir);
    expect(damaged.seen).toHaveLength(899);
    expect(damaged.journal.damage).toMatchObject({ file: 'j' });
    expect(readFileSync(join(dir, 'j.damaged')).length).toBe(bytes.length);
    expect(open(dir).seen).toHaveLength(899); // rewritten without the bad record: no damage the second time
    expect(open(dir).journal.damage).toBeNull();
  });
});
