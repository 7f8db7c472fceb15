// What the MQTT handlers (firmware/sync/service.ts) leave unacknowledged when storage fails, the
// order of a revocation list's outcome event and its "reported" note, and the link's reconnect
// backoff. Found by the mutation probe: no test held these rules.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { StoreError } from '../../firmware/store/store.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { MqttLink } from '../../firmware/sync/link.js';
import { syncHandlers } from '../../firmware/sync/service.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintCommand, mintHeartbeat, mintRevocations, testKey } from '../../tools/lib/mint.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitUntil } from '../helpers/wait.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const owner = testKey('owner');

function lockOn(storage: FaultyStorage) {
  const dir = mkdtempSync(join(tmpdir(), 'sync-handlers-'));
  const clock = new ManualClock(NOW);
  const store = new FileStore(join(dir, 'data'), storage);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], provider: 'node' }, { clock, random: seededRandom(1), store });
  const outbox = new Outbox(join(dir, 'data'), loadOrCreateIdentity(dir, seededRandom(2)), clock, { lockId: LOCK, cap: 100, storage });
  return { core, outbox, handlers: syncHandlers(core, outbox, null) };
}

describe('refusals', () => {
  it('a refused inbound message is a security event (kept at the outbox cap before normal ones)', () => {
    const { outbox, handlers } = lockOn(new FaultyStorage());
    handlers.heartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: 'back-door' }));
    expect(outbox.pending().map((e) => e.priority)).toEqual(['security']);
  });
});

describe('MQTT handlers when storage fails', () => {
  it('a heartbeat that cannot be saved throws (no PUBACK: the broker sends it again) and is not applied', () => {
    const storage = new FaultyStorage();
    const { core, handlers } = lockOn(storage);
    storage.failEvery('write', /heartbeat\./, { code: 'ENOSPC' });
    expect(() => handlers.heartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK }))).toThrow(StoreError);
    expect(core.lastHeartbeat).toBeNull();
  });

  it('a command whose nonce cannot be kept throws (no PUBACK), and no event says it was done', () => {
    const storage = new FaultyStorage();
    const { outbox, handlers } = lockOn(storage);
    storage.failEvery('write', /journal/, { code: 'EIO' });
    const command = mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(3), iat: NOW / 1000, exp: NOW / 1000 + 60, action: 'unlock' });
    expect(() => handlers.commands(command)).toThrow(StoreError);
    expect(outbox.pending()).toEqual([]);
  });

  it('a list whose outcome event cannot be written stays unreported, so the next boot appends the event', () => {
    const storage = new FaultyStorage();
    const { core, outbox, handlers } = lockOn(storage);
    const afterAck = handlers.revocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000 }));
    expect(core.revocationSeq).toBe(1); // enforced and durable: acknowledged
    storage.failEvery('write', /outbox$/, { code: 'ENOSPC' });
    expect(() => (afterAck as () => void)()).toThrow();
    expect(core.unreportedRevocations).toBe(1);
    storage.heal();
    expect(outbox.pending()).toEqual([]);
  });
});

describe('the link\'s reconnects', () => {
  it('back off exponentially (equal jitter) up to the ceiling while the broker refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-link-'));
    const clock = new ManualClock(NOW);
    const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), clock, { lockId: LOCK, cap: 100 });
    const nothing = () => {};
    const random = { bytes: (n: number) => new Uint8Array(n), float: () => 0 };
    const link = new MqttLink({ url: 'mqtt://127.0.0.1:1', lockId: LOCK, clock, random, backoff: { minMs: 500, maxMs: 4_000 } }, { revocations: nothing, heartbeat: nothing, grants: nothing, commands: nothing }, outbox);
    const delays: number[] = [];
    link.events.on('disconnected', (e) => {
      delays.push(e.reconnectInMs);
      setImmediate(() => clock.advance(e.reconnectInMs)); // the wait passes: the link tries again
    });
    link.start();
    await waitUntil(() => delays.length >= 6, 'six refused connections', 20_000);
    await link.stop();
    outbox.close();
    expect(delays.slice(0, 6)).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
});
