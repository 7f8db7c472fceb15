// The crash judge (not part of `npm test`): the lock as a process (tools/crash-judge/lock.ts: startLock,
// signals and stray-exception handling as firmware/main.ts has them) on one state directory, driven over
// a real Mosquitto (grants with and without use limits, revocation lists, heartbeats, commands and their
// replays) and at its keypad and reader, killed with SIGKILL at random moments and restarted, for ITER
// lifetimes. Checked across all of them: an acknowledged grant is held after a restart; a use-limited
// grant never opens more than its uses; a grant never opens once a list revoking it was reported; no
// sequence number carries two events; after a last clean lifetime every event arrived (no gap).
// FULL=1 puts the state directory on a 384 KiB tmpfs (root) and fills and empties it at random.
// `npx tsx tools/crash-judge/judge.ts [ITER] [SEED]`: prints one line per lifetime, then DONE; exit 1 on a violation.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, testKey } from '../lib/mint.js';
import { startBroker } from '../../tests/helpers/mosquitto.js';

const ITER = Number(process.argv[2] ?? 20);
let seed = Number(process.argv[3] ?? 1);
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
const LOCK = 'front-door';
const owner = testKey('owner');
const secret = Buffer.alloc(32, 0x42);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const violations: string[] = [];
const violate = (s: string) => {
  violations.push(s);
  console.log(`VIOLATION ${s}`);
};

const broker = await startBroker([{ name: 'owner', password: 'o' }, { name: LOCK, password: 'f' }]);
const dir = mkdtempSync(join(tmpdir(), 'crash-judge-'));
const FULL = process.env.FULL === '1';
const mnt = join(dir, 'mnt');
if (FULL) {
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=384k', 'tmpfs', mnt]);
}
const filler = join(mnt, 'filler');
let full = false;
const fill = () => {
  for (const size of [4096, 512, 64, 1]) {
    try {
      for (;;) writeFileSync(filler, Buffer.alloc(size, 1), { flag: 'a' });
    } catch {
      // full at this granularity
    }
  }
  full = true;
};
const unfill = () => { rmSync(filler, { force: true }); full = false; };
writeFileSync(join(dir, 'ca.crt'), broker.ca);
writeFileSync(join(dir, 'password'), 'f');
writeFileSync(join(dir, 'keypad.secret'), secret.toString('hex'));
const config = {
  autoRelockMs: 1000,
  keypad: { lockout: { wrongCodeLimit: 6, windowMs: 60000, disableMs: 1000, maxDisableMs: 1000, forgetMs: 3600000 } },
  access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [hex(owner.publicKey)], stateDir: FULL ? join(mnt, 'state') : join(dir, 'state'), keypadSecretFile: join(dir, 'keypad.secret') },
  mqtt: { url: broker.url, username: LOCK, passwordFile: join(dir, 'password'), caFile: join(dir, 'ca.crt'), homeAssistant: { enabled: false } },
};
writeFileSync(join(dir, 'lock.json'), JSON.stringify(config));

// ---- the owner's app ----
const app = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'o', protocolVersion: 5, clientId: 'owner-app', clean: false, properties: { sessionExpiryInterval: 3600 } });
await new Promise<void>((r) => app.once('connect', () => r()));
await app.subscribeAsync(`locks/${LOCK}/events`, { qos: 1 });
const seqs = new Map<number, string>();
let dupes = 0;
const storedAck = new Set<string>();
const revAcked = new Set<number>();
let commandOk = 0;
const typeCount = new Map<string, number>();
app.on('message', (_topic, payload) => {
  const opened = openSigned(new Uint8Array(payload), TYP.event, nodeVerifier());
  if (!opened.ok) return violate(`unverified event ${payload.length}`);
  const p = opened.value.payload as Map<number, unknown>;
  const seq = p.get(2) as number;
  const type = p.get(4) as string;
  const d = p.get(5) as Map<string, unknown>;
  const h = hex(payload);
  const old = seqs.get(seq);
  if (old !== undefined) {
    if (old !== h) violate(`seq ${seq} reused with other content (${type})`);
    else dupes++;
    return;
  }
  seqs.set(seq, h);
  typeCount.set(type, (typeCount.get(type) ?? 0) + 1);
  if (type === 'grant-stored' && d.get('ok') === true) storedAck.add(d.get('id') as string);
  if (type === 'revocations' && d.get('ok') === true) revAcked.add(d.get('seq') as number);
  if (type === 'command' && d.get('ok') === true) commandOk++;
});

// ---- the world the owner made ----
interface G { pin: string; cti: string; bytes: Uint8Array; maxUses: number | null; opens: number }
const grants: G[] = [];
let pinNo = 1000;
const newGrant = (): G => {
  const pin = String(pinNo++);
  const ctiB = Buffer.alloc(16);
  ctiB.writeUInt32BE(Number(pin), 0);
  ctiB.writeUInt32BE(seed, 4);
  const maxUses = pick([1, 1, 2, 3, null]);
  const bytes = mintGrant(owner, { aud: LOCK, cti: ctiB, role: 'resident', iat: 1780000000, maxUses, credential: { kind: 'pin', digests: [pinDigest(secret, pin)] } });
  const g = { pin, cti: hex(ctiB), bytes, maxUses, opens: 0 };
  grants.push(g);
  return g;
};
const phone = testKey('phone-anna');
const phoneCti = Buffer.alloc(16, 0x77);
const phoneGrant = mintGrant(owner, { aud: LOCK, cti: phoneCti, role: 'resident', holderKey: phone.publicKey, maxUses: 3 });
let phoneOpens = 0;
let revSeq = 0;
const revokedIn = new Map<number, Set<string>>(); // list seq -> ids it revokes (cumulative)
let revoked = new Set<string>();
const revokedAcked = (id: string) => [...revAcked].some((s) => revokedIn.get(s)?.has(id));
const commands: Uint8Array[] = [];
let nonces = 0;

// ---- a lifetime ----
interface Life { proc: ChildProcessWithoutNullStreams; lines: string[]; waiters: { t: (l: string) => boolean; r: (l: string | null) => void }[]; dead: boolean; exited: Promise<void>; inflight: string | null }
function spawnLock(): Life {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tools/crash-judge/lock.ts', join(dir, 'lock.json')], { env: { ...process.env, IS_TEST_MODE: '' } });
  const life: Life = { proc, lines: [], waiters: [], dead: false, exited: null as never, inflight: null };
  life.exited = new Promise((r) => proc.on('exit', () => { life.dead = true; for (const w of life.waiters) w.r(null); life.waiters = []; r(); }));
  let err = '';
  proc.stderr.on('data', (d: Buffer) => { err += d.toString(); if (err.length > 4000) err = err.slice(-4000); });
  proc.on('exit', (code, sig) => { if (code !== 0 && sig !== 'SIGKILL') violate(`lock exited ${code} ${sig}: ${err.slice(-1500)}`); });
  proc.stdin.on('error', () => {});
  createInterface({ input: proc.stdout }).on('line', (l) => {
    life.lines.push(l);
    onLine(life, l);
    for (const w of [...life.waiters]) if (w.t(l)) { life.waiters.splice(life.waiters.indexOf(w), 1); w.r(l); }
  });
  return life;
}
const waitLine = (life: Life, t: (l: string) => boolean, ms: number) =>
  new Promise<string | null>((resolve) => {
    if (life.dead) return resolve(null);
    const timer = setTimeout(() => { life.waiters = life.waiters.filter((w) => w.r !== done); resolve(null); }, ms);
    const done = (l: string | null) => { clearTimeout(timer); resolve(l); };
    life.waiters.push({ t, r: done });
  });

function onLine(life: Life, l: string) {
  const [kind, a, , id, how] = l.split(' ');
  if (kind === 'RETRACT' && !life.inflight) console.log(`NOTE bolt withdrawn with nothing in flight`);
  if (kind !== 'ACCESS') return;
  if (how === 'phone' && a === 'allow') {
    phoneOpens++;
    if (phoneOpens > 3) violate(`phone grant opened ${phoneOpens} times (max 3)`);
  }
  if (how !== 'pin') return;
  const g = grants.find((x) => x.cti === id);
  if (a === 'allow') {
    if (!g) return violate(`allow for unknown grant ${id}`);
    g.opens++;
    if (g.maxUses !== null && g.opens > g.maxUses) violate(`grant ${g.pin} opened ${g.opens} > ${g.maxUses}`);
    if (revokedAcked(g.cti)) violate(`grant ${g.pin} opened after its revocation was acknowledged`);
  }
}

async function enterPin(life: Life, g: G, checkStored: boolean) {
  life.inflight = `pin ${g.pin}`;
  const acked = storedAck.has(g.cti);
  life.proc.stdin.write(`pin ${g.pin}\n`);
  const l = await waitLine(life, (x) => x.startsWith('ACCESS'), 15_000);
  life.inflight = null;
  if (!l) return;
  const reason = l.split(' ')[2];
  if (checkStored && acked && !revoked.has(g.cti) && reason === 'unknown-code') violate(`acknowledged grant ${g.pin} unknown after restart`);
  // let a stroke finish
  if (l.startsWith('ACCESS allow')) await waitLine(life, () => false, 300);
}

async function lifetime(i: number, killMs: number | null) {
  const life = spawnLock();
  let killer: NodeJS.Timeout | null = null;
  if (killMs !== null) killer = setTimeout(() => life.proc.kill('SIGKILL'), killMs);
  const ready = await waitLine(life, (l) => l === 'READY', 60_000);
  if (!ready) { if (!life.dead) violate(`iteration ${i}: no READY`); life.proc.kill('SIGKILL'); await life.exited; return life; }
  // Before MQTT has anything to say: what the disk holds.
  for (const g of grants.filter((x) => storedAck.has(x.cti)).slice(-3)) await enterPin(life, g, true);
  const t0 = Date.now();
  while (!life.dead && (killMs !== null || Date.now() - t0 < 8000)) {
    if (FULL && rnd() < 0.12) {
      if (full) unfill();
      else fill();
    }
    const r = rnd();
    if (r < 0.3) {
      const g = newGrant();
      void app.publishAsync(`locks/${LOCK}/grants`, Buffer.from(g.bytes), { qos: 1 });
    } else if (r < 0.42 && grants.length) {
      const victim = pick(grants);
      revoked = new Set([...revoked, victim.cti]);
      revSeq++;
      revokedIn.set(revSeq, revoked);
      const list = mintRevocations(owner, { seq: revSeq, aud: LOCK, iat: 1780000000 + revSeq, grants: [...revoked].map((h) => Buffer.from(h, 'hex')) });
      void app.publishAsync(`locks/${LOCK}/revocations`, Buffer.from(list), { qos: 1, retain: true });
    } else if (r < 0.72 && grants.length) {
      await enterPin(life, pick(grants.filter((g) => storedAck.has(g.cti)).concat(grants.slice(-1))), false);
    } else if (r < 0.8) {
      life.inflight = 'phone';
      life.proc.stdin.write(`phone phone-anna ${hex(phoneGrant)} ${hex(phoneCti)}\n`);
      await waitLine(life, (x) => x.startsWith('ACCESS'), 8000);
      await waitLine(life, () => false, 300);
      life.inflight = null;
    } else if (r < 0.9) {
      const now = Math.floor(Date.now() / 1000);
      const replay = commands.length && rnd() < 0.4;
      const cmd = replay ? pick(commands) : mintCommand(owner, { aud: LOCK, nonce: Buffer.from(`n-${seed}-${nonces++}`.padEnd(16, '.')), iat: now, exp: now + 290, action: pick(['unlock', 'lock']) });
      if (!replay) commands.push(cmd);
      life.inflight = 'command';
      await app.publishAsync(`locks/${LOCK}/commands`, Buffer.from(cmd), { qos: 1 });
      await waitLine(life, () => false, 400);
      life.inflight = null;
    } else {
      const now = Math.floor(Date.now() / 1000);
      void app.publishAsync(`locks/${LOCK}/heartbeat`, Buffer.from(mintHeartbeat(owner, { time: now, seq: revSeq, aud: LOCK })), { qos: 1, retain: true });
    }
    await waitLine(life, () => false, Math.floor(rnd() * 200));
  }
  if (killer) clearTimeout(killer);
  if (!life.dead) {
    life.proc.stdin.write('stop\n');
  }
  await life.exited;
  return life;
}

for (let i = 0; i < ITER; i++) {
  const killMs = Math.floor(rnd() * 7000);
  await lifetime(i, killMs);
  if (commandOk > nonces) violate(`command ok events ${commandOk} > distinct nonces ${nonces}`);
  process.stdout.write(`iter ${i} kill@${killMs} events=${seqs.size} dupes=${dupes} grants=${grants.length} acked=${storedAck.size} rev=${revSeq}/${[...revAcked].length} violations=${violations.length}\n`);
}
// A clean last lifetime: drain the outbox.
if (FULL) unfill();
{
  const life = spawnLock();
  await waitLine(life, (l) => l === 'READY', 60_000);
  for (const g of grants.filter((x) => storedAck.has(x.cti))) await enterPin(life, g, true);
  let pending = -1;
  for (let k = 0; k < 60 && pending !== 0; k++) {
    await waitLine(life, () => false, 1000);
    life.proc.stdin.write('pending\n');
    const l = await waitLine(life, (x) => x.startsWith('PENDING'), 5000);
    pending = l ? Number(l.split(' ')[1]) : -1;
  }
  await waitLine(life, () => false, 1500);
  life.proc.stdin.write('stop\n');
  await life.exited;
  if (pending !== 0) violate(`outbox not drained: ${pending}`);
}
const max = Math.max(...seqs.keys());
const missing: number[] = [];
for (let s = 1; s <= max; s++) if (!seqs.has(s)) missing.push(s);
if (missing.length && !typeCount.get('events-dropped')) violate(`missing event seqs: ${missing.slice(0, 20).join(',')} (${missing.length})`);
if (commandOk > nonces) violate(`command ok events ${commandOk} > distinct nonces ${nonces}`);
console.log(`DONE events=${seqs.size} max=${max} dupes=${dupes} types=${JSON.stringify(Object.fromEntries(typeCount))} violations=${violations.length}`);
for (const v of violations) console.log(v);
app.end();
await broker.stop();
if (FULL) execFileSync('umount', [mnt]);
process.exit(violations.length ? 1 : 0);
