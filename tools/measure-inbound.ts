// How long each inbound MQTT message can hold the event loop, on the largest or costliest input each
// topic accepts and on 1 MiB of junk (the link's packet limit): the access core's work alone (decode,
// verify, apply; nothing written), and the whole handler the link calls (with the snapshot and the
// signed, fsync'd event it writes). Prints the median and worst of 20 runs per case.
// Run: npx tsx tools/measure-inbound.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { MAX_REVOCATION_ENTRIES } from '../firmware/access/revocation-limits.js';
import { loadOrCreateIdentity } from '../firmware/identity.js';
import { FileStore } from '../firmware/store/file-store.js';
import { Outbox } from '../firmware/sync/outbox.js';
import { syncHandlers } from '../firmware/sync/service.js';
import { systemClock } from '../hal/node/clock.js';
import { seededRandom } from '../hal/node/random.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, testKey } from './lib/mint.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const carrier = testKey('carrier-dispatch');
const dir = mkdtempSync(join(tmpdir(), 'inbound-'));
const store = new FileStore(dir);
const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(1), store });
const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), systemClock, { lockId: LOCK, cap: 100_000 });
const handlers = syncHandlers(core, outbox, null);
const now = () => Math.floor(Date.now() / 1000);
const random = seededRandom(3);
let seq = 1;

type Topic = 'revocations' | 'heartbeat' | 'grants' | 'commands';
const coreOnly: Record<Topic, (p: Uint8Array) => unknown> = {
  revocations: (p) => core.applyRevocations(p, false),
  heartbeat: (p) => core.applyHeartbeat(p, false),
  grants: (p) => core.storeGrant([p]),
  commands: (p) => core.verifyCommand(p),
};
const cases: [string, Topic, () => Uint8Array][] = [
  ['revocations: a full list (32,000 keys)', 'revocations', () => mintRevocations(owner, { seq: seq++, aud: LOCK, iat: now(), holders: Array.from({ length: MAX_REVOCATION_ENTRIES }, () => random.bytes(32)) })],
  ['revocations: 1 MiB of junk', 'revocations', () => random.bytes(1 << 20)],
  ['heartbeat', 'heartbeat', () => mintHeartbeat(owner, { time: now(), seq: 0, aud: LOCK })],
  ['grants: a delegated PIN grant (fresh bytes each time)', 'grants', () => {
    const deleg = mintGrant(owner, { aud: LOCK, holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 5, maxDepth: 0 } });
    const leaf = mintGrant(carrier, { aud: LOCK, role: 'delivery', maxUses: 1, iat: now(), credential: { kind: 'pin', digests: Array.from({ length: 64 }, () => random.bytes(32)) } });
    return Uint8Array.from(Buffer.concat([Uint8Array.of(0x82, 0x59, deleg.length >> 8, deleg.length & 0xff), deleg, Uint8Array.of(0x59, leaf.length >> 8, leaf.length & 0xff), leaf]));
  }],
  ['grants: 1 MiB of junk', 'grants', () => random.bytes(1 << 20)],
  ['commands: an owner-signed lock', 'commands', () => mintCommand(owner, { aud: LOCK, nonce: random.bytes(16), iat: now(), exp: now() + 60, action: 'lock' })],
  ['commands: 1 MiB of junk', 'commands', () => random.bytes(1 << 20)],
];

const time = (f: () => unknown) => {
  const started = performance.now();
  try {
    f();
  } catch {
    // a storage failure leaves the message unacknowledged; its time still counts
  }
  return performance.now() - started;
};
const summary = (ms: number[]) => {
  ms.sort((a, b) => a - b);
  return `median ${ms[ms.length >> 1]!.toFixed(2).padStart(7)} ms, worst ${ms.at(-1)!.toFixed(2).padStart(7)} ms`;
};
console.log(`${'message'.padEnd(54)} | core alone                        | whole handler`);
for (const [name, topic, make] of cases) {
  const alone: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < 20; i++) {
    const payload = make();
    if (topic !== 'grants' || payload[0] !== 0x82) alone.push(time(() => coreOnly[topic](payload)));
    whole.push(time(() => handlers[topic](make())));
  }
  console.log(`${name.padEnd(54)} | ${alone.length ? summary(alone) : '(a chain)'.padEnd(33)} | ${summary(whole)}`);
}
outbox.close();
store.close();
