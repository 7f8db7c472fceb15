// Generates tests/vectors/derivations.json: the keyed digests and ids of docs/PROTOCOL.md §3, §9 and
// §13 (PIN digests, offline codes and their use ids, delegated grant ids, tracking digests and use
// ids), which an owner's app computes and can check nowhere else. Deterministic: fixed secret and keys.
// Run: npx tsx tools/gen-derivation-vectors.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trackingUseKey } from '../firmware/access/decision.js';
import { delegatedGrantId } from '../firmware/access/grant-store.js';
import { checkOfflineCode, normalizeTracking, offlineCode, pinDigest, trackingDigest } from '../firmware/keypad/codes.js';
import { testKey } from './lib/mint.js';

export interface DerivationCase {
  id: string;
  comment: string;
  kind: 'pin-digest' | 'offline-code' | 'offline-check' | 'grant-id' | 'tracking-digest' | 'tracking-use-id';
  input: Record<string, string | number>;
  expect: Record<string, string | boolean>;
}
export interface DerivationFile {
  secret: string;
  lockId: string;
  cases: DerivationCase[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const SECRET = new Uint8Array(32).fill(0x42);
const LOCK = 'front-door';
const HOUR = 3_600_000;
const START_HOUR = Date.parse('2026-06-01T10:00:00Z') / HOUR; // 494530

export function derivationVectors(): DerivationFile {
  const cases: DerivationCase[] = [];
  for (const pin of ['4711', '00000000', '2580']) {
    cases.push({ id: `pin-${pin}`, comment: 'HMAC(secret, "lock-pin-v1" || 0x00 || ascii PIN)', kind: 'pin-digest', input: { pin }, expect: { digest: hex(pinDigest(SECRET, pin)) } });
  }
  for (let cls = 0; cls < 8; cls++) {
    const code = offlineCode(SECRET, LOCK, START_HOUR * HOUR, cls);
    const { useId } = checkOfflineCode(SECRET, LOCK, code, START_HOUR * HOUR);
    cases.push({ id: `offline-class-${cls}`, comment: 'class || startHour mod 1000 || HOTP-truncated MAC mod 10^6; its use id (§9)', kind: 'offline-code', input: { startHour: START_HOUR, class: cls }, expect: { code, useId: hex(useId) } });
  }
  // The lock's side of the window: the latest start hour at or before now with the code's three digits.
  const checks: [string, number, number][] = [
    ['class 0 in its hour', 0, START_HOUR * HOUR + 59 * 60_000],
    ['class 0 an hour later', 0, (START_HOUR + 1) * HOUR],
    ['class 1 three hours later', 1, (START_HOUR + 3) * HOUR + 1],
    ['class 3 six days later', 3, (START_HOUR + 6 * 24) * HOUR],
    ['class 3 seven days later', 3, (START_HOUR + 7 * 24) * HOUR],
    ['class 2 1000 hours later: the digits mean that hour again, and the MAC does not match it', 2, (START_HOUR + 1000) * HOUR],
    ['before its start hour: the digits mean 1000 hours earlier', 0, (START_HOUR - 1) * HOUR],
  ];
  for (const [what, cls, at] of checks) {
    const code = offlineCode(SECRET, LOCK, START_HOUR * HOUR, cls);
    cases.push({ id: `offline-check-${cases.length}`, comment: what, kind: 'offline-check', input: { code, at: new Date(at).toISOString() }, expect: { valid: checkOfflineCode(SECRET, LOCK, code, at).valid } });
  }
  const owner = testKey('owner').publicKey;
  const dispatch = testKey('carrier-dispatch').publicKey;
  const cti = new Uint8Array(16).fill(0xc1);
  const gid = delegatedGrantId(owner, dispatch, cti);
  cases.push({ id: 'grant-id-courier', comment: 'the courier grant of §12: SHA-256("lock-grant-id-v1" || root || issuer || cti)[0..16]', kind: 'grant-id', input: { root: hex(owner), issuer: hex(dispatch), cti: hex(cti) }, expect: { id: hex(gid) } });
  for (const text of ['1z 999 aa1 0123 4567 84', '1Z-999-AA1-0123-4567-84', 'jjd0001234567890']) {
    const normalized = normalizeTracking(text)!;
    cases.push({ id: `tracking-${cases.length}`, comment: 'spaces and dashes removed, upper case; HMAC(secret, "lock-tracking-v1" || 0x00 || normalized)', kind: 'tracking-digest', input: { text }, expect: { normalized, digest: hex(trackingDigest(SECRET, normalized)) } });
  }
  const digest = trackingDigest(SECRET, '1Z999AA10123456784');
  cases.push({ id: 'tracking-use-id', comment: 'SHA-256("lock-tracking-use-v1" || grant id || digest)[0..16] (§13): the lock records one use per parcel under it', kind: 'tracking-use-id', input: { grantId: hex(gid), digest: hex(digest) }, expect: { useId: hex(trackingUseKey(gid, digest)) } });
  return { secret: hex(SECRET), lockId: LOCK, cases };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../tests/vectors/derivations.json', import.meta.url), `${JSON.stringify(derivationVectors(), null, 1)}\n`);
}
