// The CRC journal under the faults a full or failing SD card gives (short writes, ENOSPC, EIO on
// fsync) and across its streaming replay: whole records or nothing, never a fragment in front of a
// later record, damage told from a torn tail even across read windows.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrcJournal, type JournalRecord } from '../../firmware/store/journal.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';

const open = (dir: string, storage?: Storage) => {
  const seen: JournalRecord[] = [];
  const journal = new CrcJournal(dir, 'j', (r) => (seen.push(r), true), 1 << 20, storage);
  return { journal, seen };
};
const rec = (n: number, size = 16) => Buffer.alloc(size, n & 0xff);

/** The real file system, logging every cut and fsync, and failing the next `failCuts` cuts (EIO). */
function cutLog(base: Storage = nodeStorage) {
  const ops: string[] = [];
  let failCuts = 0;
  const storage: Storage = {
    openSync: (path, flags, mode) => base.openSync(path, flags, mode),
    writeSync: (fd, bytes, offset, length) => base.writeSync(fd, bytes, offset, length),
    closeSync: (fd) => base.closeSync(fd),
    readFileSync: (path) => base.readFileSync(path),
    readSync: (fd, buffer, offset, length, position) => base.readSync(fd, buffer, offset, length, position),
    renameSync: (from, to) => base.renameSync(from, to),
    mkdirSync: (path, mode) => base.mkdirSync(path, mode),
    sizeOf: (path) => base.sizeOf(path),
    ftruncateSync: (fd, length) => {
      ops.push('cut');
      if (failCuts > 0 && failCuts--) throw Object.assign(new Error('EIO: ftruncate (injected)'), { code: 'EIO' });
      base.ftruncateSync(fd, length);
    },
    fsyncSync: (fd) => {
      ops.push('fsync');
      base.fsyncSync(fd);
    },
  };
  return { storage, ops, failNextCut: () => (failCuts = 1) };
}

describe('CrcJournal', () => {
  it('resumed from its last record (even one over 64 KiB): replayed later, records appended meanwhile kept after it; a torn tail is never resumed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const a = open(dir).journal;
    for (let i = 1; i <= 3; i++) a.append(1, rec(i));
    a.append(2, rec(4, 100_000));
    a.close();
    const lasts: JournalRecord[] = [];
    const seen: JournalRecord[] = [];
    const b = new CrcJournal(dir, 'j', (r) => (seen.push(r), true), 1 << 20, undefined, (last) => (lasts.push(last), true));
    expect(lasts.map((r) => [r.type, r.payload.length])).toEqual([[2, 100_000]]);
    expect([seen.length, b.replayPending]).toEqual([0, true]);
    b.append(1, rec(5));
    b.replay();
    expect(seen.map((r) => r.payload[0])).toEqual([1, 2, 3, 4]);
    b.close();
    expect(open(dir).seen.map((r) => r.payload[0])).toEqual([1, 2, 3, 4, 5]);
    writeFileSync(join(dir, 'j'), Buffer.concat([readFileSync(join(dir, 'j')), Buffer.from([0, 0, 0, 9, 1])]));
    const c = new CrcJournal(dir, 'j', () => true, 1 << 20, undefined, () => true);
    expect([c.replayPending, c.tornBytes]).toEqual([false, 5]);
    c.close();
  });

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

  it('a last record whose CRC fails is not resumed from: the file is replayed at open and the bad tail cut', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const first = open(dir).journal;
    first.append(1, rec(1));
    first.append(2, rec(2));
    first.close();
    const path = join(dir, 'j');
    const bytes = readFileSync(path);
    bytes[bytes.length - 6]! ^= 0xff; // the last record's payload: its length still fits the file
    writeFileSync(path, bytes);
    const resumed: JournalRecord[] = [];
    const seen: number[] = [];
    const journal = new CrcJournal(dir, 'j', (r) => (seen.push(r.type), true), 1 << 20, undefined, (last) => (resumed.push(last), true));
    expect(resumed).toEqual([]);
    expect(journal.replayPending).toBe(false);
    expect(seen).toEqual([1]);
    expect(journal.tornBytes).toBe(8 + 17);
  });

  it('a torn tail cut at open, and a fragment cut after a failed append, are fsync\'d at once (the cut is durable)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    open(dir).journal.append(1, rec(1));
    appendFileSync(join(dir, 'j'), Buffer.from([0, 0, 0, 40, 1, 2])); // a write torn by a power cut
    const log = cutLog();
    const { journal } = open(dir, log.storage);
    expect(journal.tornBytes).toBe(6);
    expect(log.ops).toEqual(['cut', 'fsync']);
    const faulty = new FaultyStorage();
    const cut = cutLog(faulty);
    const again = open(dir, cut.storage).journal;
    faulty.failNth('write', /\/j$/, 1, { code: 'ENOSPC' });
    expect(() => again.append(2, rec(2))).toThrow();
    expect(cut.ops).toEqual(['cut', 'fsync']);
  });

  it('a fragment that could not be cut at once is cut before the next append: no record is lost behind it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const faulty = new FaultyStorage();
    const log = cutLog(faulty);
    const { journal } = open(dir, log.storage);
    journal.append(1, rec(1));
    faulty.failNth('write', /\/j$/, 1, { short: 5 }).failNth('write', /\/j$/, 1, { code: 'ENOSPC' }); // 5 bytes land, then the card is full
    log.failNextCut(); // and the cut back fails too
    expect(() => journal.append(2, rec(2))).toThrow();
    expect(journal.failed).toBe(true);
    faulty.heal();
    journal.append(3, rec(3));
    journal.close();
    const again = open(dir);
    expect(again.seen.map((r) => r.type)).toEqual([1, 3]);
    expect(again.journal.damage).toBeNull();
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
