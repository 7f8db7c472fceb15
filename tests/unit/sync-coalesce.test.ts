// PROTOCOL.md §11 "Refusals are coalesced": a refused revocation list, heartbeat, grant or command is
// an event the first time its type and reason occur in a minute; the same refusal again within the
// minute is only counted, and the count goes out as `repeated` with the next one. Accepted messages
// are always answered. Found missing from the document by the stranger client (tests/stranger).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { identityFromSeed } from '../../firmware/identity.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { syncHandlers } from '../../firmware/sync/service.js';
import { readEvent } from '../../tools/lib/events.js';
import { mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const JUNK = Uint8Array.of(0, 1, 2);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lock() {
  const clock = new ManualClock(Date.parse('2026-06-01T08:00:00Z'));
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random: { bytes: (n) => new Uint8Array(n), float: () => 0.5 }, store: new MemoryStore() });
  const dir = mkdtempSync(join(tmpdir(), 'sync-coalesce-'));
  dirs.push(dir);
  const outbox = new Outbox(dir, identityFromSeed(new Uint8Array(32).fill(1)), clock, { lockId: LOCK, cap: 1000 });
  const handlers = syncHandlers(core, outbox, null);
  const events = () =>
    outbox.pending().map((p) => {
      const read = readEvent(p.bytes);
      if (!read.ok) throw new Error(read.reason);
      return { type: read.event.type, ...read.event.details } as { type: string; ok?: unknown; [k: string]: unknown };
    });
  const heartbeat = (time: number) => mintHeartbeat(owner, { time, seq: 0, aud: LOCK });
  return { clock, handlers, events, heartbeat, close: () => outbox.close() };
}

describe('refusals of inbound messages are coalesced per type and reason (PROTOCOL.md §11)', () => {
  it('the same refusal within a minute is counted, then reported as repeated; other reasons and types are not held back', () => {
    const l = lock();
    l.handlers.commands!(JUNK);
    l.handlers.commands!(JUNK);
    l.handlers.commands!(JUNK);
    l.handlers.grants!(JUNK); // another type: its own event
    expect(l.events()).toEqual([
      { type: 'command', ok: false, reason: 'malformed' },
      { type: 'grant-stored', ok: false, reason: 'malformed' },
    ]);
    l.clock.advance(59_000);
    l.handlers.commands!(JUNK);
    expect(l.events()).toHaveLength(2);
    l.clock.advance(1_000); // a minute after the first event
    l.handlers.commands!(JUNK);
    expect(l.events().at(-1)).toEqual({ type: 'command', ok: false, reason: 'malformed', repeated: 3 });
    l.close();
  });

  it('accepted messages are always answered, however many', () => {
    const l = lock();
    const t = Math.floor(l.clock.now() / 1000);
    for (let i = 0; i < 3; i++) l.handlers.heartbeat!(l.heartbeat(t + i));
    expect(l.events().map((e) => [e.type, e.ok])).toEqual([['heartbeat', true], ['heartbeat', true], ['heartbeat', true]]);
    l.handlers.heartbeat!(l.heartbeat(t - 100)); // older than the last: rollback, reported
    l.handlers.heartbeat!(l.heartbeat(t - 200)); // rollback again within the minute: counted only
    expect(l.events().filter((e) => e.ok === false)).toEqual([{ type: 'heartbeat', ok: false, reason: 'rollback' }]);
    l.close();
  });
});
