// The signed snapshots' two slots (firmware/store/snapshot-slots.ts), on a real disk through the
// Storage port: one fsync per update, the directory only when a slot is first written in a run, a
// torn or failed write never touches the newest copy, the newer valid slot wins at open, and a slot
// that does not check is named (never a silent fall back to an older copy).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../firmware/store/file-store.js';
import { SnapshotSlots } from '../../firmware/store/snapshot-slots.js';
import { nodeStorage } from '../../hal/node/storage.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'slots-'));
const bytes = (n: number, length = 40) => new Uint8Array(length).fill(n);
const open = (dir: string, fs = nodeStorage) => new SnapshotSlots(dir, 'revocations', fs);

function fsyncs(storage: FaultyStorage): string[] {
  const seen: string[] = [];
  storage.watch((op, path) => op === 'fsync' && seen.push(path));
  return seen;
}

describe('snapshot slots', () => {
  it('an update costs one fsync, of the slot file; the directory is fsynced only when a slot is created or first written in a run', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const seen = fsyncs(storage);
    const slots = open(dir, storage);
    for (let i = 1; i <= 6; i++) slots.save(bytes(i));
    // Each slot created whole (temp file, fsync, rename, the directory's fsync), then one fsync per update.
    const [a, b] = [join(dir, 'revocations.a'), join(dir, 'revocations.b')];
    expect(seen).toEqual([`${a}.tmp`, dir, `${b}.tmp`, dir, a, b, a, b]);
    // A new run: each slot's entry made durable once more (it may have been created by a run cut short), then one fsync per update.
    seen.length = 0;
    const again = open(dir, storage);
    for (let i = 7; i <= 10; i++) again.save(bytes(i));
    expect(seen).toEqual([join(dir, 'revocations.a'), dir, join(dir, 'revocations.b'), dir, join(dir, 'revocations.a'), join(dir, 'revocations.b')]);
    expect([...open(dir).load()!]).toEqual([...bytes(10)]);
  });

  it('the newer valid slot wins at open, whichever file it is in; files are 0600', () => {
    const dir = fresh();
    const slots = open(dir);
    slots.save(bytes(1));
    expect([...open(dir).load()!]).toEqual([...bytes(1)]);
    slots.save(bytes(2, 10));
    expect([...open(dir).load()!]).toEqual([...bytes(2, 10)]);
    slots.save(bytes(3, 90)); // back into .a, longer than what it held
    slots.save(bytes(4, 5)); // into .b, shorter: the old tail is cut
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(4, 5)]);
    expect(reopened.damaged).toEqual([]);
    expect(reopened.source).toBe('revocations.b');
    for (const s of ['a', 'b']) expect(statSync(join(dir, `revocations.${s}`)).mode & 0o777).toBe(0o600);
  });

  it('a write that fails never touches the newest copy: it stays in force, and is what the next boot finds; a torn slot is said', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const slots = open(dir, storage);
    slots.save(bytes(1));
    slots.save(bytes(2)); // .a holds 1, .b holds 2
    storage.failEvery('write', /revocations\.a$/, { code: 'ENOSPC' });
    expect(() => slots.save(bytes(3))).toThrow(/ENOSPC/);
    storage.heal();
    expect(open(dir).damaged).toEqual([]); // nothing landed
    // Part of the frame lands, then the card fails: .a is torn, .b whole.
    // 12 bytes land (magic and generation: the new generation's last byte differs), then EIO.
    storage.failNth('write', /revocations\.a$/, 1, { short: 12 }).failNth('write', /revocations\.a$/, 1, { code: 'EIO' });
    expect(() => slots.save(bytes(3))).toThrow(/EIO/);
    storage.heal();
    expect([...slots.load()!]).toEqual([...bytes(2)]);
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(2)]);
    expect(reopened.damaged).toEqual(['revocations.a']); // said, not passed over in silence
    storage.failNth('fsync', /revocations\.a$/, 1, { code: 'EIO' });
    expect(() => slots.save(bytes(3))).toThrow(/EIO/); // not durable: the caller does not acknowledge
    storage.heal();
    expect([...readFileSync(join(dir, 'revocations.b')).subarray(16, 56)]).toEqual([...bytes(2)]); // the newest copy untouched throughout
    slots.save(bytes(3)); // the card behaves again: the same slot
    expect([...open(dir).load()!]).toEqual([...bytes(3)]);
    expect(open(dir).damaged).toEqual([]);
  });

  it('a shorter copy written over a longer one and killed before the tail was cut still reads (the CRC decides)', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const slots = open(dir, storage);
    slots.save(bytes(1, 90));
    slots.save(bytes(2, 90));
    const longer = readFileSync(join(dir, 'revocations.a'));
    slots.save(bytes(3, 10)); // into .a, then its tail cut
    writeFileSync(join(dir, 'revocations.a'), Buffer.concat([readFileSync(join(dir, 'revocations.a')), longer.subarray(30)]));
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(3, 10)]);
    expect(reopened.damaged).toEqual([]);
  });

  it('a write torn by a power cut leaves the other slot whole; the torn slot is named', () => {
    const dir = fresh();
    const slots = open(dir);
    slots.save(bytes(1));
    slots.save(bytes(2));
    slots.save(bytes(3)); // in .a
    const torn = join(dir, 'revocations.a');
    writeFileSync(torn, readFileSync(torn).subarray(0, 30));
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(2)]);
    expect(reopened.damaged).toEqual(['revocations.a']);
    expect(reopened.source).toBe('revocations.b');
  });

  it('a damaged newer slot: the older copy is loaded and the damaged one named; the next save goes into the damaged one, and the damage is gone', () => {
    const dir = fresh();
    const slots = open(dir);
    slots.save(bytes(1));
    slots.save(bytes(2)); // in .b, the newer
    const path = join(dir, 'revocations.b');
    const damaged = readFileSync(path);
    damaged[20]! ^= 0x01;
    writeFileSync(path, damaged);
    const storage = new FaultyStorage();
    const seen = fsyncs(storage);
    const reopened = open(dir, storage);
    expect([...reopened.load()!]).toEqual([...bytes(1)]);
    expect(reopened.damaged).toEqual(['revocations.b']);
    reopened.save(bytes(3));
    expect(seen.filter((p) => p !== dir)).toEqual([join(dir, 'revocations.b')]);
    const healed = open(dir);
    expect(healed.damaged).toEqual([]);
    expect([...healed.load()!]).toEqual([...bytes(3)]);
    healed.save(bytes(4));
    expect([...open(dir).load()!]).toEqual([...bytes(4)]);
  });

  it('both slots damaged: nothing is loaded, both are named, and the next save writes both (this once), so the damage is not reported again', () => {
    const dir = fresh();
    const slots = open(dir);
    slots.save(bytes(1));
    slots.save(bytes(2));
    for (const s of ['a', 'b']) writeFileSync(join(dir, `revocations.${s}`), readFileSync(join(dir, `revocations.${s}`)).subarray(0, 25));
    const storage = new FaultyStorage();
    const seen = fsyncs(storage);
    const reopened = open(dir, storage);
    expect(reopened.load()).toBeNull();
    expect(reopened.damaged).toEqual(['revocations.a', 'revocations.b']);
    reopened.save(bytes(3));
    expect(seen.filter((p) => p !== dir)).toEqual([join(dir, 'revocations.a'), join(dir, 'revocations.b')]);
    reopened.save(bytes(4));
    expect(seen.filter((p) => p !== dir)).toHaveLength(3); // one fsync per update again
    const healed = open(dir);
    expect(healed.damaged).toEqual([]);
    expect([...healed.load()!]).toEqual([...bytes(4)]);
  });

  it('a state directory from before slots: its <name>.cose is read until the first save', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'revocations.cose'), bytes(9));
    const slots = open(dir);
    expect([...slots.load()!]).toEqual([...bytes(9)]);
    expect(slots.source).toBe('revocations.cose');
    slots.save(bytes(10));
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(10)]);
    expect(reopened.source).toBe('revocations.a');
  });

  it('through the FileStore: loadSnapshot gives the newest copy, snapshotSource names its file and the damaged ones', () => {
    const dir = fresh();
    const store = new FileStore(dir);
    store.saveSnapshot('heartbeat', bytes(1));
    store.saveSnapshot('heartbeat', bytes(2));
    store.close();
    const path = join(dir, 'heartbeat.b');
    writeFileSync(path, Buffer.alloc(0));
    const reopened = new FileStore(dir);
    expect([...reopened.loadSnapshot('heartbeat')!]).toEqual([...bytes(1)]);
    expect(reopened.snapshotSource('heartbeat')).toEqual({ file: 'heartbeat.a', damaged: ['heartbeat.b'] });
    expect(reopened.snapshotSource('revocations')).toEqual({ file: null, damaged: [] });
    expect(existsSync(join(dir, 'revocations.a'))).toBe(false);
    reopened.close();
  });

  it('the reported note: a new copy is not reported until noted (without an fsync); the note survives a reopen; a torn note counts as not reported', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const seen = fsyncs(storage);
    const slots = open(dir, storage);
    expect(slots.reported).toBe(true); // nothing saved, nothing to report
    slots.save(bytes(1));
    expect(slots.reported).toBe(false);
    seen.length = 0;
    slots.markReported();
    expect(seen).toEqual([]);
    expect(slots.reported).toBe(true);
    expect(open(dir).reported).toBe(true);
    slots.save(bytes(2));
    expect(open(dir).reported).toBe(false); // saved, its event not yet noted
    slots.markReported();
    const marker = join(dir, 'revocations.reported');
    const note = readFileSync(marker);
    writeFileSync(marker, note.subarray(0, 7));
    expect(open(dir).reported).toBe(false);
    const flipped = Buffer.from(note);
    flipped[0]! ^= 0x40; // whole, but damaged: a generation far ahead that its CRC does not vouch for
    writeFileSync(marker, flipped);
    expect(open(dir).reported).toBe(false);
  });

  it('a deleted slot whose copy was reported is named (a power cut cannot delete a slot); a copy saved after it takes a later generation, so it is named once', () => {
    const dir = fresh();
    const slots = open(dir);
    slots.save(bytes(1));
    slots.markReported();
    slots.save(bytes(2)); // into .b, reported
    slots.markReported();
    const unreported = open(dir);
    unreported.save(bytes(3)); // into .a, its event not noted yet
    rmSync(join(dir, 'revocations.b'));
    expect(open(dir).damaged).toEqual([]); // the newest (.a, 3) is there: nothing reported was lost
    rmSync(join(dir, 'revocations.a')); // no slot left, and generation 2 was reported
    const lost = open(dir);
    expect(lost.load()).toBeNull();
    expect(lost.damaged).toEqual(['revocations.a']);
    // The newer slot of two deleted: named, and the older copy is what loads.
    const two = fresh();
    const first = open(two);
    first.save(bytes(1));
    first.save(bytes(2));
    first.markReported();
    rmSync(join(two, 'revocations.b'));
    const reopened = open(two);
    expect(reopened.damaged).toEqual(['revocations.b']);
    expect([...reopened.load()!]).toEqual([...bytes(1)]);
    reopened.save(bytes(2)); // the owner's retained copy again: past the reported generation
    reopened.markReported();
    expect(open(two).damaged).toEqual([]);
    expect([...open(two).load()!]).toEqual([...bytes(2)]);
  });

  it('holds no copy of the list it saved or loaded: a load reads the slot file (the lock keeps what it decoded)', () => {
    const dir = fresh();
    const slots = open(dir);
    const list = bytes(7, 1000);
    slots.save(list);
    list.fill(0); // the caller's bytes are not what it hands back: the slot file is
    expect([...slots.load()!]).toEqual([...bytes(7, 1000)]);
    const reopened = open(dir);
    expect([...reopened.load()!]).toEqual([...bytes(7, 1000)]); // as read at open, handed over
    expect([...reopened.load()!]).toEqual([...bytes(7, 1000)]); // read again
    writeFileSync(join(dir, 'revocations.a'), Buffer.alloc(10)); // damaged since: nothing to give
    expect(reopened.load()).toBeNull();
  });
});
