import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { MemoryStore } from '../firmware/store/store.js';
import { seededRandom } from '../hal/node/random.js';
import { mintGrant, mintHeartbeat, present, testKey } from '../tools/lib/mint.js';
const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const owner = testKey('owner'), carrier = testKey('carrier'), courier = testKey('courier');
const random = seededRandom(5);
const challenge = new Uint8Array(32);
const clock = { now: () => NOW, after: () => ({ cancel() {} }), every: () => ({ cancel() {} }) };
const deleg = mintGrant(owner, { aud: LOCK, cti: random.bytes(16), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 }, exp: NOW / 1000 + 86_400 });
const cti = random.bytes(16);
const leaf = mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', holderKey: courier.publicKey, exp: NOW / 1000 + 3600, schedule: [{ days: 1, start: 8 * 60, end: 18 * 60 }] });
const p = present([deleg, leaf], courier, LOCK, challenge, cti);
const core2 = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], loadSodium: () => ({ crypto_sign_verify_detached: () => true }) }, { clock, random: { bytes: () => challenge, float: () => 0 }, store: new MemoryStore() });
core2.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK }));
for (let r = 0; r < 6; r++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 20000; i++) { core2.issueChallenge(); const d = core2.decide(p); if (!d.allow) throw new Error(d.reason); }
  const c1 = process.cpuUsage(c0);
  console.log(`overhead ${((c1.user + c1.system) / 20000).toFixed(1)}us`);
}
