// The trusted-time floor: raised in memory by every decision (no write, no fsync on that path),
// made durable with the next use commit (the same write), on a timer and at close; after a restart,
// even one without a clean close, the lock's time never goes back past what was persisted.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { FileStore, TIME_PERSIST_INTERVAL_MS } from '../../firmware/store/file-store.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintGrant, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const T0 = Date.UTC(2026, 5, 1, 10);
const owner = testKey('owner');
const holder = testKey('holder');
const journalSize = (dir: string) => statSync(join(dir, 'journal')).size;

function setup(dir = mkdtempSync(join(tmpdir(), 'floor-')), clock = new ManualClock(T0)) {
  const store = new FileStore(dir, undefined, () => clock.now(), clock);
  const challenge = new Uint8Array(32).fill(9);
  const random = { bytes: (n: number) => (n === 32 ? challenge : seededRandom(1).bytes(n)), float: () => 0.5 };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'UTC', ownerKeys: [owner.publicKey] }, { clock, random, store });
  const open = (maxUses: number | null) => {
    const cti = new Uint8Array(16).fill(maxUses ?? 0xee);
    const grant = mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: holder.publicKey, ...(maxUses === null ? {} : { maxUses }) });
    core.issueChallenge();
    return core.decide(present([grant], holder, LOCK, challenge, cti));
  };
  return { dir, clock, store, core, open };
}

describe('trusted-time floor', () => {
  it('a decision without uses writes nothing, however far time moved (no fsync on the decision path)', () => {
    const { dir, clock, core, open } = setup();
    const before = journalSize(dir);
    for (let i = 0; i < 5; i++) {
      clock.advance(TIME_PERSIST_INTERVAL_MS / 2 - 1); // short of the timer
      expect(open(null).allow).toBe(true);
      clock.advance(TIME_PERSIST_INTERVAL_MS / 2 - 1);
    }
    expect(core.now()).toBe(clock.now());
    // Only the timer wrote (once per interval), never the decisions themselves.
    const records = (journalSize(dir) - before) / (8 + 9);
    expect(records).toBe(Math.floor((5 * (TIME_PERSIST_INTERVAL_MS - 2)) / TIME_PERSIST_INTERVAL_MS));
  });

  it('a use commit carries the floor in the same record, and a crash keeps both', () => {
    const first = setup();
    first.clock.advance(30_000);
    expect(first.open(null).allow).toBe(true); // floor raised to T0 + 30 s, in memory only
    expect(first.store.persistedTimeFloor).toBeLessThan(T0 + 30_000);
    first.clock.advance(5_000);
    const before = journalSize(first.dir);
    expect(first.open(3).allow).toBe(true);
    expect(journalSize(first.dir) - before).toBe(8 + 1 + 28); // one record: the use and the time floor
    expect(first.store.persistedTimeFloor).toBe(T0 + 35_000);
    // Power cut: no close. The reopened store holds the use and the floor.
    const again = new FileStore(first.dir);
    expect(again.usesOf(new Uint8Array(16).fill(3))).toBe(1);
    expect(again.timeFloor()).toBe(T0 + 35_000);
    again.close();
  });

  it('the timer persists a moved floor; a crash after it never goes back past it', () => {
    const first = setup();
    first.clock.advance(10 * 60_000);
    first.core.now(); // floor = T0 + 10 min, in memory
    first.clock.advance(TIME_PERSIST_INTERVAL_MS); // the timer writes it
    const persisted = first.store.persistedTimeFloor;
    expect(persisted).toBe(T0 + 10 * 60_000);
    first.core.now(); // raised again, not yet persisted: lost in the crash below
    // Restart without close, on a clock set back by an hour.
    const clock = new ManualClock(T0 - 3_600_000);
    const second = setup(first.dir, clock);
    const setBack: number[] = [];
    second.core.events.on('clock-set-back', (e) => setBack.push(e.floor));
    expect(second.core.now()).toBe(persisted);
    expect(setBack).toEqual([persisted]);
  });

  it('close persists the floor and cancels the timer', () => {
    const first = setup();
    first.clock.advance(12_345);
    first.core.now();
    first.store.close();
    const again = new FileStore(first.dir);
    expect(again.timeFloor()).toBe(T0 + 12_345);
    again.close();
    // The closed store's timer was cancelled: moving the clock on does nothing (and does not throw).
    expect(() => first.clock.advance(5 * TIME_PERSIST_INTERVAL_MS)).not.toThrow();
  });
});
