// FileStore and atomic-write rules the mutation probe found unguarded: the fsync order of an atomic
// write, the two journal copies (an append both or neither, a mirror one record behind is a power
// cut, both copies gone is damage), state and nonces applied only once durable, nonces kept to expiry.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../firmware/store/file-store.js';
import { writeAtomic } from '../../firmware/store/journal.js';
import { StoreError } from '../../firmware/store/store.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';

const cti = (n: number) => new Uint8Array(16).fill(n);
const fresh = () => mkdtempSync(join(tmpdir(), 'file-store-'));

/** The real file system, logging opens (by name), fsyncs, closes and renames in order. */
function opLog(): { storage: Storage; ops: string[] } {
  const ops: string[] = [];
  const b = nodeStorage;
  const storage: Storage = {
    openSync: (path, flags, mode) => (ops.push(`open ${basename(path)}`), b.openSync(path, flags, mode)),
    writeSync: (fd, bytes, offset, length) => (ops.push('write'), b.writeSync(fd, bytes, offset, length)),
    fsyncSync: (fd) => (ops.push('fsync'), b.fsyncSync(fd)),
    ftruncateSync: (fd, length) => b.ftruncateSync(fd, length),
    closeSync: (fd) => (ops.push('close'), b.closeSync(fd)),
    readFileSync: (path) => b.readFileSync(path),
    readSync: (fd, buffer, offset, length, position) => b.readSync(fd, buffer, offset, length, position),
    renameSync: (from, to) => (ops.push(`rename ${basename(from)} ${basename(to)}`), b.renameSync(from, to)),
    mkdirSync: (path, mode) => b.mkdirSync(path, mode),
    sizeOf: (path) => b.sizeOf(path),
  };
  return { storage, ops };
}

describe('atomic writes', () => {
  it('the temp file is fsync\'d before the rename, and the directory after it', () => {
    const dir = fresh();
    const { storage, ops } = opLog();
    writeAtomic(dir, 'x', [Buffer.from('whole or nothing')], storage);
    expect(ops).toEqual(['open x.tmp', 'write', 'fsync', 'close', 'rename x.tmp x', `open ${basename(dir)}`, 'fsync', 'close']);
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('whole or nothing');
  });
});

describe('the two journal copies', () => {
  it('a use whose mirror append fails is taken back from the first copy: after a restart it was never used', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const store = new FileStore(dir, storage);
    storage.failNth('write', /journal\.mirror$/, 1, { code: 'ENOSPC' });
    expect(() => store.commitUse(cti(1), 1)).toThrow(StoreError);
    store.close();
    const again = new FileStore(dir);
    expect(again.usesOf(cti(1))).toBe(0);
    expect(again.damage).toEqual([]);
    again.close();
  });

  it('a mirror one record behind (the power cut between the two appends) is not damage, and the record counts', () => {
    const dir = fresh();
    const store = new FileStore(dir);
    store.commitUse(cti(2), 5);
    copyFileSync(join(dir, 'journal.mirror'), join(dir, 'mirror-before'));
    store.commitUse(cti(2), 5);
    store.close();
    copyFileSync(join(dir, 'mirror-before'), join(dir, 'journal.mirror'));
    const again = new FileStore(dir);
    expect(again.damage).toEqual([]);
    expect(again.usesOf(cti(2))).toBe(2);
    expect(again.usesUnprovenSince()).toBeNull();
    again.close();
  });

  it('both copies gone while the lock\'s other state is there: reported, and uses count as unproven', () => {
    const dir = fresh();
    const store = new FileStore(dir);
    store.commitUse(cti(3), 1);
    store.saveSnapshot('heartbeat', Uint8Array.of(1, 2, 3));
    store.close();
    for (const name of ['journal', 'journal.mirror']) rmSync(join(dir, name));
    const again = new FileStore(dir, undefined, () => 5_000);
    expect(again.damage.map((d) => d.file)).toEqual(['journal']);
    expect(again.usesUnprovenSince()).toBe(5_000);
    again.close();
  });
});

describe('state and nonces', () => {
  it('a state the journal cannot take stays as it was', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const store = new FileStore(dir, storage);
    store.putState('mode', Uint8Array.of(1));
    storage.failEvery('write', /journal/, { code: 'EIO' });
    expect(() => store.putState('mode', Uint8Array.of(2))).toThrow(StoreError);
    expect([...store.getState('mode')!]).toEqual([1]);
    store.close();
  });

  it('a nonce is kept until its expiry, across later commands and a restart', () => {
    const dir = fresh();
    const store = new FileStore(dir);
    store.keepNonce(cti(4), 1_000_100, 1_000_000);
    store.keepNonce(cti(5), 1_000_200, 1_000_050);
    expect(store.hasNonce(cti(4))).toBe(true);
    store.close();
    const again = new FileStore(dir);
    expect(again.hasNonce(cti(4))).toBe(true);
    again.keepNonce(cti(6), 1_000_300, 1_000_101); // past the first nonce's expiry: it may go now
    expect(again.hasNonce(cti(4))).toBe(false);
    expect(again.hasNonce(cti(5))).toBe(true);
    again.close();
  });
});
