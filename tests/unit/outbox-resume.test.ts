// The outbox at boot: a file whose last record is intact is not read before ready. The lock goes on
// numbering from that last record, and the backlog is read when first needed. Nothing is lost,
// duplicated or reordered, and no sequence number is given twice: after acknowledgements, after a
// torn tail, after damage found only when the backlog is read, or after a restart before it was read.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';
import { seededRandom } from '../../hal/node/random.js';
import { ManualClock } from '../helpers/manual-clock.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0, 250));
const fresh = () => mkdtempSync(join(tmpdir(), 'outbox-resume-'));
const open = (dir: string, storage: Storage = nodeStorage) =>
  new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(1)), clock, { lockId: 'front-door', cap: 100_000, capBytes: 1 << 30, storage });
const data = (n: number) => new Map<string, unknown>([['n', n]]);
const seqs = (o: Outbox) => o.pending().map((e) => e.seq);

/** The real file system, counting the bytes read. */
function countingReads(): Storage & { read: number } {
  const s = { ...nodeStorage, read: 0 };
  s.readSync = (fd, buffer, offset, length, position) => {
    const n = nodeStorage.readSync(fd, buffer, offset, length, position);
    s.read += n;
    return n;
  };
  return s;
}

function filled(events: number): string {
  const dir = fresh();
  const o = open(dir, { ...nodeStorage, fsyncSync: () => {} }); // filling only: no fsync per record
  for (let i = 1; i <= events; i++) o.append('battery', data(i));
  o.close();
  return dir;
}

describe('outbox resumed at boot', () => {
  it('reads only the last record of a large backlog at open; the backlog is read when first needed, in order', () => {
    const dir = filled(12_000);
    const bytes = statSync(join(dir, 'outbox')).size; // about 2 MiB
    const storage = countingReads();
    const o = open(dir, storage);
    expect(storage.read).toBeLessThanOrEqual(64 * 1024); // the tail, not the file
    expect(o.append('door', data(0))).toBe(12_001);
    expect(o.size).toBe(12_001); // read now
    expect(storage.read).toBeGreaterThan(bytes);
    const all = seqs(o);
    expect(all.slice(0, 3)).toEqual([1, 2, 3]);
    expect(all.at(-1)).toBe(12_001);
    expect(all.every((s, i) => s === i + 1)).toBe(true);
    o.close();
  });

  it('goes on numbering after acknowledgements and drops: the last record says the next number', () => {
    const dir = filled(12_000);
    const a = open(dir);
    for (let s = 1; s <= 100; s++) a.ack(s); // the last record is an acknowledgement
    a.close();
    const storage = countingReads();
    const b = open(dir, storage);
    expect(storage.read).toBeLessThanOrEqual(64 * 1024);
    expect(b.append('door', data(0))).toBe(12_001);
    expect(seqs(b)).toHaveLength(11_901);
    expect(seqs(b).slice(0, 1)).toEqual([101]);
    b.close();
  });

  it('events appended before the backlog was read survive a restart, after the older ones, each once', () => {
    const dir = fresh();
    const a = open(dir);
    for (let i = 1; i <= 5; i++) a.append('door', data(i));
    a.ack(2);
    a.close();
    const b = open(dir);
    expect([b.append('door', data(6)), b.append('alarm', data(7), 'security')]).toEqual([6, 7]);
    b.close(); // never read: a restart before the backlog was needed
    const c = open(dir);
    expect(c.append('door', data(8))).toBe(8);
    expect(seqs(c)).toEqual([1, 3, 4, 5, 6, 7, 8]);
    expect(c.pending().find((e) => e.seq === 7)?.priority).toBe('security');
    c.close();
  });

  it('a torn tail is cut at open as before (the backlog is read at once), and numbering resumes', () => {
    const dir = fresh();
    const a = open(dir);
    for (let i = 1; i <= 3; i++) a.append('door', data(i));
    a.close();
    appendFileSync(join(dir, 'outbox'), Buffer.from([0, 0, 1, 0, 1, 2, 3])); // power lost mid-append
    const b = open(dir);
    expect(b.tornBytes).toBe(7);
    expect(b.append('door', data(4))).toBe(4);
    expect(seqs(b)).toEqual([1, 2, 3, 4]);
    b.close();
  });

  it('damage found when the backlog is read is reported, and keeps the events appended since open', () => {
    const dir = fresh();
    const a = open(dir);
    for (let i = 1; i <= 4; i++) a.append('door', data(i));
    a.close();
    const path = join(dir, 'outbox');
    const bytes = readFileSync(path);
    bytes[10]! ^= 0x5a; // inside the first record
    writeFileSync(path, bytes);
    const b = open(dir);
    expect(b.append('door', data(5))).toBe(5);
    expect(b.damage).toMatchObject({ file: 'outbox', offset: 0 });
    expect(seqs(b)).toEqual([2, 3, 4, 5]);
    b.close();
    const c = open(dir);
    expect(c.damage).toBeNull(); // repaired
    expect(seqs(c)).toEqual([2, 3, 4, 5]);
    expect(c.append('door', data(6))).toBe(6);
    c.close();
  });

  it('never gives again a number an acknowledged event had: a compaction that leaves an older event pending ends with the next number', () => {
    const dir = fresh();
    const a = open(dir, { ...nodeStorage, fsyncSync: () => {} });
    const stuck = a.append('alarm', data(0), 'security'); // its publish was refused: it stays pending
    let last = stuck;
    for (let i = 1; i <= 20_000; i++) {
      last = a.append('battery', data(i));
      const before = a.fileBytes;
      a.ack(last);
      if (a.fileBytes < before) break; // that acknowledgement compacted the file: power is cut now
    }
    expect(seqs(a)).toEqual([stuck]);
    a.close();
    const b = open(dir);
    expect(b.append('door', data(-1))).toBe(last + 1);
    b.close();
  });
});

/** The real file system whose reads fail (a bad sector in the backlog) while `failing`. */
function flaky(): Storage & { failing: boolean } {
  const s = { ...nodeStorage, failing: false };
  s.readSync = (fd, buffer, offset, length, position) => {
    if (s.failing) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    return nodeStorage.readSync(fd, buffer, offset, length, position);
  };
  return s;
}

describe('a backlog the card cannot read', () => {
  it('an append is stored and returns even when a listener cannot read the backlog; the listener fault is handed on', () => {
    const dir = filled(50);
    const storage = flaky();
    const faults: unknown[] = [];
    const o = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(1)), clock, { lockId: 'front-door', cap: 100_000, storage, onListenerFault: (e) => faults.push(e) });
    storage.failing = true;
    o.onAppend(() => void o.pending(10)); // what the MQTT link does on every append
    expect(o.append('door', data(0))).toBe(51);
    expect(faults).toMatchObject([{ code: 'EIO' }]);
    o.close();
  });

  it('a replay that failed is tried again: the backlog is read later, in order, before the new events', () => {
    const dir = filled(50);
    const storage = flaky();
    const o = open(dir, storage);
    expect(o.append('door', data(0))).toBe(51);
    storage.failing = true;
    expect(() => o.pending()).toThrow(/EIO/);
    storage.failing = false;
    expect(seqs(o)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    o.close();
  });

  it('the byte cap holds: when the caps need the backlog and it cannot be read, it is given up (reported) and numbering goes on', () => {
    const dir = filled(50);
    const storage = flaky();
    storage.fsyncSync = () => {};
    const capBytes = 64 * 1024;
    const damage: unknown[] = [];
    const o = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(1)), clock, { lockId: 'front-door', cap: 100_000, capBytes, storage, onDamage: (d) => damage.push(d) });
    storage.failing = true;
    let last = 0;
    for (let i = 0; i < 2_000; i++) last = o.append('battery', data(i));
    expect(statSync(join(dir, 'outbox')).size).toBeLessThan(2 * capBytes + 2 ** 20);
    expect(damage).toMatchObject([{ file: 'outbox', offset: 0 }]);
    expect(last).toBeGreaterThan(2_050); // numbered after the backlog (and the drop notices), never again from 1
    storage.failing = false;
    const held = seqs(o);
    expect(held.every((seq, i) => i === 0 || seq > held[i - 1]!)).toBe(true);
    const next = o.next;
    o.close();
    const again = open(dir);
    expect(again.append('door', data(0))).toBe(next);
    again.close();
  });
});
