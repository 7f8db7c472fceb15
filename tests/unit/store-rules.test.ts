// Storage rules the review found no test for (issue 13): every journal append is fsync'd before it
// returns, a write that fails becomes a StoreError, and the core answers a storage fault with
// `store-failure` (never an allow, never a crash).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { CrcJournal } from '../../firmware/store/journal.js';
import { MemoryStore, StoreError } from '../../firmware/store/store.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { Clock } from '../../hal/ports/clock.js';
import type { Storage } from '../../hal/ports/storage.js';
import { mintGrant, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** The real disk, with a log of writes and fsyncs, and an fsync that can be made to fail. */
function watchedStorage() {
  const log: string[] = [];
  let failFsync = false;
  const storage: Storage = {
    ...nodeStorage,
    writeSync: (fd, bytes, offset, length) => {
      log.push(`write ${fd}`);
      return nodeStorage.writeSync(fd, bytes, offset, length);
    },
    fsyncSync: (fd) => {
      log.push(`fsync ${fd}`);
      if (failFsync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      nodeStorage.fsyncSync(fd);
    },
  };
  return { storage, log, failNextFsyncs: () => (failFsync = true) };
}

const LOCK = 'front-door';
const owner = testKey('owner');
const phone = testKey('phone-anna');
const NOW = Date.parse('2026-06-01T12:00:00Z');
const SECRET = new Uint8Array(32).fill(0x42);

describe('journal append', () => {
  it('writes, then fsyncs that same file, before it returns', () => {
    const disk = watchedStorage();
    const journal = new CrcJournal(mkdtempSync(join(tmpdir(), 'journal-')), 'journal', () => true, 1024, disk.storage);
    disk.log.length = 0;
    journal.append(1, Uint8Array.of(1, 2, 3));
    expect(disk.log.length).toBeGreaterThanOrEqual(2);
    const fd = disk.log[0]!.split(' ')[1];
    expect(disk.log.at(-1)).toBe(`fsync ${fd}`); // the last thing append does is make it durable
    journal.close();
  });
});

describe('a storage fault', () => {
  it('a FileStore that cannot make a use durable throws StoreError (E_STORE)', () => {
    const disk = watchedStorage();
    const store = new FileStore(mkdtempSync(join(tmpdir(), 'store-')), disk.storage);
    disk.failNextFsyncs();
    expect(() => store.commitUse(new Uint8Array(16).fill(1), 1)).toThrow(expect.objectContaining({ name: 'StoreError', code: 'E_STORE' }));
    expect(store.usesOf(new Uint8Array(16).fill(1))).toBe(0);
  });

  it('is answered store-failure by the core, for a presentation and for a PIN', () => {
    const store = new MemoryStore();
    store.commitUse = () => {
      throw new StoreError('cannot append to the journal');
    };
    const clock: Clock = new ManualClock(NOW);
    const challenge = new Uint8Array(32).fill(0xcc);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'UTC', ownerKeys: [owner.publicKey] }, { clock, random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store });
    const cti = new Uint8Array(16).fill(3);
    core.issueChallenge();
    expect(core.decide(present([mintGrant(owner, { aud: LOCK, cti, role: 'owner', holderKey: phone.publicKey, maxUses: 2 })], phone, LOCK, challenge, cti))).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(core.storeGrant([mintGrant(owner, { aud: LOCK, role: 'owner', maxUses: 2, credential: { kind: 'pin', digests: [pinDigest(SECRET, '1234')] } })]).ok).toBe(true);
    expect(core.decideCredential(pinDigest(SECRET, '1234'), 'pin')).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(core.faults).toBe(0);
  });
});
