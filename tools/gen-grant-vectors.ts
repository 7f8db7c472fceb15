// Generates tests/vectors/grants/*.json: one file per threat family, each vector an id, a comment,
// the lock's setup and steps with their expected outcome. Deterministic (fixed keys, ids and
// challenges; Ed25519 signatures are deterministic), so a test can check the files are current.
// Run: npx tsx tools/gen-grant-vectors.ts
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeScanned, encodeDeterministic } from '../firmware/access/cbor.js';
import { Tag } from 'cbor-x';
import { encodeSign1, sigStructure } from '../firmware/access/cose.js';
import { encodeClaims } from '../firmware/access/grant.js';
import { TYP } from '../firmware/access/messages.js';
import { type ClaimsInput, claims, type KeyPair, mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from './lib/mint.js';
import { toHex as hex } from '../firmware/util/hex.js';
import { torsionedSigner } from './lib/torsion.js';

export interface VectorStep {
  at?: string;
  present?: string;
  /** The challenge the lock issues just before this step (the runner's random source yields it). */
  challenge?: string;
  revocations?: string;
  heartbeat?: string;
  command?: string;
  reboot?: true;
  expect?: Record<string, unknown>;
}
export interface Vector {
  id: string;
  comment: string;
  lock: { lockId: string; timeZone: string; ownerKeys: string[] };
  steps: VectorStep[];
}

const digest = (label: string, n: number) => Uint8Array.from(createHash('sha256').update(label).digest().subarray(0, n));
const id16 = (label: string) => digest(`cti:${label}`, 16);
const challenge = (label: string) => digest(`challenge:${label}`, 32);
const s = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const LOCK = 'front-door';
const owner = testKey('owner');
const phone = testKey('phone-anna');
const thief = testKey('thief');
const carrier = testKey('carrier-dispatch');
const courier = testKey('courier-phone');
const stranger = testKey('someone-else');
const T = '2026-06-01T12:00:00Z'; // a Monday
const ALLOW = { allow: true, reason: 'ok' };
const deny = (reason: string) => ({ allow: false, reason });

function lock(timeZone = 'Europe/Berlin') {
  return { lockId: LOCK, timeZone, ownerKeys: [hex(owner.publicKey)] };
}

/** One step presenting `chain` with a proof by `holder` over a fresh challenge. */
function presentStep(label: string, chain: Uint8Array[], holder: KeyPair, leafCti: Uint8Array, expect: Record<string, unknown>, at = T, aud = LOCK): VectorStep {
  const c = challenge(label);
  return { at, challenge: hex(c), present: hex(present(chain, holder, aud, c, leafCti)), expect };
}

function residentGrant(label: string, extra: Partial<ClaimsInput> = {}, issuer: KeyPair = owner) {
  const cti = id16(label);
  return { cti, bytes: mintGrant(issuer, { aud: LOCK, cti, role: 'resident', holderKey: phone.publicKey, ...extra }) };
}

function single(id: string, comment: string, step: VectorStep, timeZone?: string): Vector {
  return { id, comment, lock: lock(timeZone), steps: [step] };
}

function signatures(): Vector[] {
  const g = residentGrant('sig');
  const flipped = Uint8Array.from(g.bytes);
  flipped[flipped.length - 1]! ^= 0x01;
  // Same signature, role byte in the payload changed (resident -> guest): the signature no longer covers it.
  const spliced = Uint8Array.from(g.bytes);
  const payloadAt = Buffer.from(g.bytes).indexOf(Buffer.from([0x3a, 0x00, 0x01, 0x00, 0x00, 0x01]));
  spliced[payloadAt + 5] = 0x02;
  const strangerGrant = mintGrant(stranger, { aud: LOCK, cti: g.cti, role: 'resident', holderKey: phone.publicKey });
  return [
    single('sig-ok', 'owner-signed resident grant with a valid holder proof', presentStep('sig-ok', [g.bytes], phone, g.cti, ALLOW)),
    single('sig-forged', 'last signature byte flipped', presentStep('sig-forged', [flipped], phone, g.cti, deny('bad-signature'))),
    single('sig-altered-claims', 'role claim changed after signing', presentStep('sig-altered', [spliced], phone, g.cti, deny('bad-signature'))),
    single('sig-unknown-issuer', 'well signed, by a key that is not an owner of this lock', presentStep('sig-stranger', [strangerGrant], phone, g.cti, deny('unknown-issuer'))),
  ];
}

function audienceAndTime(): Vector[] {
  const other = residentGrant('aud', { aud: 'back-door' });
  const expired = residentGrant('exp', { exp: s(T) - 3600 });
  const future = residentGrant('nbf', { nbf: s(T) + 3600 });
  const skewed = residentGrant('skew', { nbf: s(T) + 30 });
  const window = residentGrant('window', { nbf: s(T) - 60, exp: s(T) + 3600 });
  return [
    single('aud-other-lock', 'a grant for another lock of the same owner', presentStep('aud', [other.bytes], phone, other.cti, deny('wrong-lock'))),
    single('time-expired', 'exp an hour ago', presentStep('exp', [expired.bytes], phone, expired.cti, deny('expired'))),
    single('time-not-yet-valid', 'nbf an hour ahead', presentStep('nbf', [future.bytes], phone, future.cti, deny('not-yet-valid'))),
    single('time-within-skew', 'nbf 30 s ahead, inside the 60 s clock skew', presentStep('skew', [skewed.bytes], phone, skewed.cti, ALLOW)),
    {
      id: 'time-clock-set-back',
      comment: 'valid until T+1h; used at T, refused at T+2h; the clock is then set back to T and the grant stays expired (trusted time never goes back)',
      lock: lock(),
      steps: [
        presentStep('back-1', [window.bytes], phone, window.cti, ALLOW, T),
        presentStep('back-2', [window.bytes], phone, window.cti, deny('expired'), '2026-06-01T14:00:00Z'),
        presentStep('back-3', [window.bytes], phone, window.cti, deny('expired'), T),
      ],
    },
    {
      id: 'time-clock-set-back-across-reboot',
      comment: 'the trusted-time floor survives a reboot: after T+2h and a restart, a clock at T does not reopen the grant',
      lock: lock(),
      steps: [
        presentStep('backr-1', [window.bytes], phone, window.cti, deny('expired'), '2026-06-01T14:00:00Z'),
        { reboot: true },
        presentStep('backr-2', [window.bytes], phone, window.cti, deny('expired'), T),
      ],
    },
  ];
}

function schedules(): Vector[] {
  // Weekdays 09:00-17:00 local.
  const weekdays = [{ days: 0b0011111, start: 9 * 60, end: 17 * 60 }];
  const ny = residentGrant('ny', { schedule: weekdays });
  const be = residentGrant('be', { schedule: weekdays });
  const sunday2 = residentGrant('be-night', { schedule: [{ days: 0b1000000, start: 2 * 60, end: 3 * 60 }] });
  const v = (id: string, comment: string, grant: { cti: Uint8Array; bytes: Uint8Array }, at: string, expect: Record<string, unknown>, zone: string) =>
    single(id, comment, presentStep(id, [grant.bytes], phone, grant.cti, expect, at), zone);
  return [
    v('dst-ny-before-in', 'New York, Fri 6 Mar 2026 09:30 EST (14:30Z): in window', ny, '2026-03-06T14:30:00Z', ALLOW, 'America/New_York'),
    v('dst-ny-after-in', 'New York, Mon 9 Mar 2026 09:30 EDT (13:30Z), the day after spring-forward: in window', ny, '2026-03-09T13:30:00Z', ALLOW, 'America/New_York'),
    v('dst-ny-after-early', 'New York, Mon 9 Mar 2026 13:10Z is 09:10 EDT: in; a fixed EST offset would say 08:10', ny, '2026-03-09T13:10:00Z', ALLOW, 'America/New_York'),
    v('dst-ny-after-late', 'New York, Mon 9 Mar 2026 21:30Z is 17:30 EDT: out (a fixed EST offset would say 16:30, in)', ny, '2026-03-09T21:30:00Z', deny('outside-schedule'), 'America/New_York'),
    v('dst-ny-fall-in', 'New York, Mon 2 Nov 2026 16:30 EST (21:30Z), the day after fall-back: in window', ny, '2026-11-02T21:30:00Z', ALLOW, 'America/New_York'),
    v('dst-be-spring-in', 'Berlin, Mon 30 Mar 2026 07:30Z is 09:30 CEST: in (a fixed CET offset would say 08:30, out)', be, '2026-03-30T07:30:00Z', ALLOW, 'Europe/Berlin'),
    v('dst-be-spring-out', 'Berlin, Fri 27 Mar 2026 07:30Z is 08:30 CET: out', be, '2026-03-27T07:30:00Z', deny('outside-schedule'), 'Europe/Berlin'),
    v('dst-be-weekend', 'Berlin, Sun 29 Mar 2026 (the change day) 10:00Z: weekend, out', be, '2026-03-29T10:00:00Z', deny('outside-schedule'), 'Europe/Berlin'),
    v('dst-be-repeated-hour-first', 'Berlin, Sun 25 Oct 2026 00:30Z is 02:30 CEST, first pass of the repeated hour: in the Sunday 02:00-03:00 window', sunday2, '2026-10-25T00:30:00Z', ALLOW, 'Europe/Berlin'),
    v('dst-be-repeated-hour-second', 'Berlin, Sun 25 Oct 2026 01:30Z is 02:30 CET, second pass: in again', sunday2, '2026-10-25T01:30:00Z', ALLOW, 'Europe/Berlin'),
    v('dst-be-after-window', 'Berlin, Sun 25 Oct 2026 02:30Z is 03:30 CET: out', sunday2, '2026-10-25T02:30:00Z', deny('outside-schedule'), 'Europe/Berlin'),
  ];
}

function revocation(): Vector[] {
  const g = residentGrant('rev');
  const delegation = mintGrant(owner, { aud: LOCK, cti: id16('rev-deleg'), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 }, exp: s(T) + 86_400 });
  const courierGrant = mintGrant(carrier, { aud: LOCK, cti: id16('rev-courier'), role: 'delivery', holderKey: courier.publicKey, maxUses: 1, exp: s(T) + 3600 });
  const beat = (seq: number, at = T) => hex(mintHeartbeat(owner, { time: s(at), seq, aud: LOCK }));
  const list = (seq: number, entries: { grants?: Uint8Array[]; holders?: Uint8Array[]; issuers?: Uint8Array[] }, signer: KeyPair = owner, aud = LOCK) =>
    hex(mintRevocations(signer, { seq, aud, iat: s(T), ...entries }));
  return [
    { id: 'rev-grant', comment: 'grant id revoked', lock: lock(), steps: [{ revocations: list(1, { grants: [g.cti] }), expect: { ok: true, seq: 1 } }, presentStep('rev-g', [g.bytes], phone, g.cti, deny('revoked-grant'))] },
    { id: 'rev-holder', comment: 'holder key revoked (phone lost)', lock: lock(), steps: [{ revocations: list(1, { holders: [phone.publicKey] }), expect: { ok: true, seq: 1 } }, presentStep('rev-h', [g.bytes], phone, g.cti, deny('revoked-holder'))] },
    {
      id: 'rev-issuer',
      comment: 'the carrier dispatch key revoked: its grants stop working',
      lock: lock(),
      steps: [
        { heartbeat: beat(0), expect: { ok: true, seq: 0 } },
        presentStep('rev-i-1', [delegation, courierGrant], courier, id16('rev-courier'), ALLOW),
        { revocations: list(1, { issuers: [carrier.publicKey] }), expect: { ok: true, seq: 1 } },
        { heartbeat: beat(1), expect: { ok: true, seq: 1 } },
        presentStep('rev-i-2', [delegation, courierGrant], courier, id16('rev-courier'), deny('revoked-issuer')),
      ],
    },
    {
      id: 'rev-rollback',
      comment: 'list 5 applied, then an older list 4 (which did not revoke the grant) is refused',
      lock: lock(),
      steps: [
        { revocations: list(5, { grants: [g.cti] }), expect: { ok: true, seq: 5 } },
        { revocations: list(4, {}), expect: { ok: false, reason: 'rollback' } },
        presentStep('rev-rb', [g.bytes], phone, g.cti, deny('revoked-grant')),
      ],
    },
    {
      id: 'rev-rollback-across-reboot',
      comment: 'the applied list is persisted: after a restart the older list is still refused',
      lock: lock(),
      steps: [{ revocations: list(5, { grants: [g.cti] }), expect: { ok: true, seq: 5 } }, { reboot: true }, { revocations: list(4, {}), expect: { ok: false, reason: 'rollback' } }, presentStep('rev-rbr', [g.bytes], phone, g.cti, deny('revoked-grant'))],
    },
    { id: 'rev-other-lock', comment: 'a list for another lock (with a higher sequence) is refused', lock: lock(), steps: [{ revocations: list(9, {}, owner, 'back-door'), expect: { ok: false, reason: 'wrong-lock' } }] },
    { id: 'rev-not-owner', comment: 'a list signed by a non-owner key is refused', lock: lock(), steps: [{ revocations: list(9, {}, stranger), expect: { ok: false, reason: 'not-owner' } }] },
    {
      id: 'rev-stale-heartbeat',
      comment: 'freeze attack: the last heartbeat is 2 days old; a delivery grant (max age 1 day) is refused, the owner still gets in',
      lock: lock(),
      steps: [
        { heartbeat: beat(0, '2026-05-30T12:00:00Z'), expect: { ok: true, seq: 0 } },
        presentStep('stale-1', [delegation, courierGrant], courier, id16('rev-courier'), deny('revocations-stale')),
        presentStep('stale-2', [residentGrant('stale-owner', { role: 'owner' }).bytes], phone, id16('stale-owner'), ALLOW),
      ],
    },
    {
      id: 'rev-withheld',
      comment: 'a fresh heartbeat names list 3 but the lock holds list 1: revocations were withheld, the delivery grant is refused',
      lock: lock(),
      steps: [
        { revocations: list(1, {}), expect: { ok: true, seq: 1 } },
        { heartbeat: beat(3), expect: { ok: true, seq: 3 } },
        presentStep('withheld', [delegation, courierGrant], courier, id16('rev-courier'), deny('revocations-stale')),
      ],
    },
    {
      id: 'heartbeat-rollback',
      comment: 'a heartbeat older than the one applied is refused (it would make a stale lock look fresh again)',
      lock: lock(),
      steps: [{ heartbeat: beat(2), expect: { ok: true, seq: 2 } }, { heartbeat: beat(2, '2026-06-01T11:00:00Z'), expect: { ok: false, reason: 'rollback' } }],
    },
    { id: 'rev-no-heartbeat-owner', comment: 'never a heartbeat: the owner\'s own grant works offline', lock: lock(), steps: [presentStep('nohb', [residentGrant('nohb', { role: 'owner' }).bytes], phone, id16('nohb'), ALLOW)] },
  ];
}

function proofs(): Vector[] {
  const g = residentGrant('proof');
  const c = challenge('proof-replay');
  const once = hex(present([g.bytes], phone, LOCK, c, g.cti));
  const pinGrant = mintGrant(owner, { aud: LOCK, cti: id16('pin'), role: 'resident', credential: { kind: 'pin', digests: [digest('pin-digest', 32)] } });
  return [
    single('proof-copied-grant', 'the grant copied to a thief, who signs the proof with their own key', presentStep('copied', [g.bytes], thief, g.cti, deny('bad-proof'))),
    { id: 'proof-replayed', comment: 'a recorded presentation replayed after its challenge was used', lock: lock(), steps: [{ at: T, challenge: hex(c), present: once, expect: ALLOW }, { at: T, challenge: hex(challenge('proof-replay-next')), present: once, expect: deny('challenge-replayed') }] },
    { id: 'proof-unknown-challenge', comment: 'a proof over a challenge this lock never issued', lock: lock(), steps: [{ at: T, present: hex(present([g.bytes], phone, LOCK, challenge('never-issued'), g.cti)), expect: deny('challenge-unknown') }] },
    single('proof-other-lock', 'a proof made for another lock', presentStep('proof-aud', [g.bytes], phone, g.cti, deny('bad-proof'), T, 'back-door')),
    single('proof-credential-grant', 'a PIN grant has no holder key: it cannot be presented over the reader', presentStep('pin', [pinGrant], phone, id16('pin'), deny('holder-proof-missing'))),
  ];
}

function delegations(): Vector[] {
  const window = [{ days: 0b0000001, start: 8 * 60, end: 18 * 60 }]; // Mondays 08:00-18:00
  const dBounds = { roles: ['delivery' as const], maxUses: 1, maxDepth: 0 };
  const base = { aud: LOCK, holderKey: carrier.publicKey, nbf: s(T) - 86_400, exp: s(T) + 86_400, schedule: window, obligations: { record: true, relockWithinS: 120 } };
  const deleg = mintGrant(owner, { ...base, cti: id16('d'), delegation: dBounds });
  const child = (label: string, extra: Partial<ClaimsInput>) =>
    mintGrant(carrier, {
      aud: LOCK, cti: id16(label), role: 'delivery', holderKey: courier.publicKey, maxUses: 1, nbf: s(T) - 3600, exp: s(T) + 3600,
      schedule: [{ days: 0b0000001, start: 13 * 60, end: 15 * 60 }], obligations: { record: true, relockWithinS: 90 }, ...extra,
    });
  const beat = { heartbeat: hex(mintHeartbeat(owner, { time: s(T), seq: 0, aud: LOCK })), expect: { ok: true, seq: 0 } };
  const dv = (id: string, comment: string, chain: Uint8Array[], leafLabel: string, expect: Record<string, unknown>, holder = courier): Vector => ({
    id, comment, lock: lock(), steps: [beat, presentStep(id, chain, holder, id16(leafLabel), expect)],
  });
  const subDeleg = mintGrant(carrier, { ...base, cti: id16('sub'), holderKey: stranger.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 } });
  const fromSub = mintGrant(stranger, { aud: LOCK, cti: id16('from-sub'), role: 'delivery', holderKey: courier.publicKey, maxUses: 1, nbf: s(T) - 60, exp: s(T) + 60, schedule: window, obligations: { record: true, relockWithinS: 60 } });
  const notOwnerDeleg = mintGrant(stranger, { ...base, cti: id16('bad-root'), delegation: dBounds });
  const wrongSigner = mintGrant(stranger, { aud: LOCK, cti: id16('wrong-signer'), role: 'delivery', holderKey: courier.publicKey, maxUses: 1, nbf: s(T) - 60, exp: s(T) + 60, schedule: window, obligations: { record: true, relockWithinS: 60 } });
  const deep = (label: string) => mintGrant(owner, { ...base, cti: id16(label), delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 2 } });
  // Depth 1 allowed, but the sub-delegation claims a role (resident) the carrier was never given.
  const deleg1 = mintGrant(owner, { ...base, cti: id16('d1-roles'), delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 1 } });
  const subWider = mintGrant(carrier, { ...base, cti: id16('sub-wider'), holderKey: stranger.publicKey, delegation: { roles: ['delivery', 'resident'], maxUses: 1, maxDepth: 0 } });
  const subOk = mintGrant(carrier, { ...base, cti: id16('sub-ok'), holderKey: stranger.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 } });
  return [
    dv('deleg-ok', 'owner -> carrier (Mondays 08-18, delivery, one use, recording, relock 120 s) -> courier (13-15, one use, relock 90 s)', [deleg, child('ok', {})], 'ok', { ...ALLOW, obligations: { record: true, relockWithinS: 90 } }),
    dv('deleg-widens-window', 'child window 17:00-19:00 runs past the parent\'s 18:00', [deleg, child('w', { schedule: [{ days: 1, start: 17 * 60, end: 19 * 60 }] })], 'w', deny('delegation-widens')),
    dv('deleg-widens-role', 'child grants resident; the delegation allows delivery only', [deleg, child('r', { role: 'resident' })], 'r', deny('delegation-widens')),
    dv('deleg-widens-uses', 'child allows 5 uses; the delegation allows 1', [deleg, child('u', { maxUses: 5 })], 'u', deny('delegation-widens')),
    dv('deleg-widens-exp', 'child valid a week; the delegation ends in a day', [deleg, child('e', { exp: s(T) + 7 * 86_400 })], 'e', deny('delegation-widens')),
    dv('deleg-drops-recording', 'child drops the camera obligation', [deleg, child('o', { obligations: { record: false, relockWithinS: 90 } })], 'o', deny('delegation-widens')),
    dv('deleg-depth', 'carrier sub-delegates although its delegation allows depth 0', [deleg, subDeleg, fromSub], 'from-sub', deny('delegation-widens')),
    dv('deleg-sub-ok', 'a depth-1 delegation sub-delegates delivery to a local depot key, which grants one visit', [deleg1, subOk, fromSub], 'from-sub', { ...ALLOW, obligations: { record: true, relockWithinS: 60 } }),
    dv('deleg-sub-widens-roles', 'the sub-delegation adds resident to the carrier\'s delivery-only bounds (its leaf stays delivery)', [deleg1, subWider, fromSub], 'from-sub', deny('delegation-widens')),
    dv('deleg-chain-too-long', 'four links: longer than any chain the lock accepts', [deep('d1'), deep('d2'), deep('d3'), child('long', {})], 'long', deny('chain-too-long')),
    dv('deleg-broken', 'a grant signed by a key the delegation did not name', [deleg, wrongSigner], 'wrong-signer', deny('broken-chain')),
    dv('deleg-root-not-owner', 'the delegation itself is not owner-signed', [notOwnerDeleg, child('nr', {})], 'nr', deny('unknown-issuer')),
    {
      id: 'uses-one-time-across-power-cut',
      comment: 'a one-time grant: used, the lock loses power and restarts, the second use is refused',
      lock: lock(),
      steps: [beat, presentStep('once-1', [deleg, child('once', {})], courier, id16('once'), ALLOW), { reboot: true }, presentStep('once-2', [deleg, child('once', {})], courier, id16('once'), deny('uses-exhausted'))],
    },
  ];
}

function malformed(): Vector[] {
  const g = residentGrant('mal');
  const raw = (id: string, comment: string, bytes: Uint8Array, reason: string): Vector => single(id, comment, { at: T, present: hex(bytes), expect: deny(reason) });
  const deepNest = Uint8Array.from([...new Array<number>(64).fill(0x81), 0x01]);
  const unknownClaim = encodeSign1(owner.publicKey, TYP.grant, encodeDeterministic(new Map<number, unknown>([...decodeClaimsMap(g.cti), [-70000, 1]])), owner.sign);
  return [
    raw('cbor-deep-nesting', '64 nested arrays', deepNest, 'malformed'),
    raw('cbor-huge-length', 'a byte string claiming 4 GiB', Uint8Array.from([0x83, 0x01, 0x81, 0x5a, 0xff, 0xff, 0xff, 0xff]), 'malformed'),
    raw('cbor-odd-tag', 'a bignum tag where a presentation should be', Uint8Array.from([0xc2, 0x41, 0x01]), 'malformed'),
    raw('cbor-indefinite', 'an indefinite-length array', Uint8Array.from([0x9f, 0x01, 0xff]), 'malformed'),
    raw('cbor-trailing', 'a valid presentation with a byte after it', Uint8Array.from([...present([g.bytes], phone, LOCK, challenge('t'), g.cti), 0x00]), 'malformed'),
    raw('cbor-oversize', '9 KiB, over the 8 KiB bound', new Uint8Array(9 * 1024), 'too-large'),
    raw('cbor-float', 'a float where an integer belongs', Uint8Array.from([0xfb, 0, 0, 0, 0, 0, 0, 0, 0]), 'malformed'),
    single('claims-unknown', 'an unknown claim (-70000): it may be a restriction, so the grant is refused', presentStep('unknown-claim', [unknownClaim], phone, g.cti, deny('malformed'))),
    ...labels(),
  ];
}

/** The label claim (-65543): 1-64 UTF-8 bytes of text without control characters, shown in activity and Home Assistant. */
function labels(): Vector[] {
  const named = residentGrant('label', { label: 'Anna Müller' });
  const long = residentGrant('label-long', { label: '€'.repeat(22) }); // 22 characters, 66 bytes
  const control = residentGrant('label-ctl', { label: 'Anna\nOwner' });
  const bom = residentGrant('label-bom', { label: '\uFEFFAnna' });
  const c = residentGrant('label-bytes');
  const bytesLabel = encodeSign1(owner.publicKey, TYP.grant, encodeDeterministic(new Map<number, unknown>([...decodeClaimsMap(c.cti), [-65543, Buffer.from('Anna')]])), owner.sign);
  return [
    single('claims-label', 'a grant labelled "Anna Müller": allowed, and the decision names it', presentStep('label', [named.bytes], phone, named.cti, { ...ALLOW, grant: { role: 'resident', label: 'Anna Müller' } })),
    single('claims-label-too-long', 'a label of 66 UTF-8 bytes (22 characters): over the 64-byte bound', presentStep('label-long', [long.bytes], phone, long.cti, deny('malformed'))),
    single('claims-label-control', 'a label with a newline: control characters are refused', presentStep('label-ctl', [control.bytes], phone, control.cti, deny('malformed'))),
    single('claims-text-bom', 'a text beginning with U+FEFF (EF BB BF, a byte-order mark; here the label): decoders drop it, so it is refused', presentStep('label-bom', [bom.bytes], phone, bom.cti, deny('malformed'))),
    single('claims-label-bytes', 'a label that is a byte string, not text', presentStep('label-bytes', [bytesLabel], phone, c.cti, deny('malformed'))),
  ];
}

function decodeClaimsMap(cti: Uint8Array): [number, unknown][] {
  const c = claims({ aud: LOCK, cti, role: 'resident', holderKey: phone.publicKey });
  return [...(decodeMap(encodeClaims(c)) as Map<number, unknown>).entries()];
}
function decodeMap(bytes: Uint8Array): unknown {
  return decodeScanned(bytes);
}

function commands(): Vector[] {
  const nonce = digest('nonce-1', 16);
  const cmd = hex(mintCommand(owner, { aud: LOCK, nonce, iat: s(T), exp: s(T) + 60, action: 'unlock' }));
  const old = hex(mintCommand(owner, { aud: LOCK, nonce: digest('nonce-2', 16), iat: s(T) - 600, exp: s(T) - 540, action: 'unlock' }));
  const forged = hex(mintCommand(stranger, { aud: LOCK, nonce: digest('nonce-3', 16), iat: s(T), exp: s(T) + 60, action: 'unlock' }));
  return [
    { id: 'command-replayed', comment: 'an owner-signed unlock accepted once, refused when replayed', lock: lock(), steps: [{ at: T, command: cmd, expect: { ok: true, action: 'unlock' } }, { at: T, command: cmd, expect: { ok: false, reason: 'replayed' } }] },
    { id: 'command-expired', comment: 'an unlock that expired 9 minutes ago', lock: lock(), steps: [{ at: T, command: old, expect: { ok: false, reason: 'expired' } }] },
    {
      id: 'command-too-long',
      comment: 'an owner-signed unlock valid for 301 s: longer than the 300 s a command may live',
      lock: lock(),
      steps: [{ at: T, command: hex(mintCommand(owner, { aud: LOCK, nonce: digest('nonce-4', 16), iat: s(T), exp: s(T) + 301, action: 'unlock' })), expect: { ok: false, reason: 'malformed' } }],
    },
    {
      id: 'command-longest',
      comment: 'an owner-signed unlock valid for exactly 300 s is accepted',
      lock: lock(),
      steps: [{ at: T, command: hex(mintCommand(owner, { aud: LOCK, nonce: digest('nonce-5', 16), iat: s(T), exp: s(T) + 300, action: 'unlock' })), expect: { ok: true, action: 'unlock' } }],
    },
    { id: 'command-not-owner', comment: 'an unlock signed by a stranger', lock: lock(), steps: [{ at: T, command: forged, expect: { ok: false, reason: 'not-owner' } }] },
  ];
}

/** Already encoded CBOR, for `rawMap`. */
class Raw {
  constructor(readonly bytes: Uint8Array) {}
}
/** CBOR for a map with its entries exactly as listed, in order: how a duplicate key is made. */
function rawMap(entries: [unknown, unknown][]): Uint8Array {
  if (entries.length > 23) throw new RangeError('rawMap: at most 23 entries');
  const item = (v: unknown) => (v instanceof Raw ? v.bytes : encodeDeterministic(v));
  return Uint8Array.from(Buffer.concat([Uint8Array.of(0xa0 + entries.length), ...entries.flatMap(([k, v]) => [item(k), item(v)])]));
}

/** A COSE_Sign1 over `payload` with the protected header bytes given as they are. */
function signRaw(signer: KeyPair, protectedBytes: Uint8Array, payload: Uint8Array, unprotected = new Map<number, unknown>()): Uint8Array {
  return encodeDeterministic(new Tag([protectedBytes, unprotected, payload, signer.sign(sigStructure(protectedBytes, payload))], 18));
}

function strict(): Vector[] {
  const g = residentGrant('strict');
  const claimEntries = (extra: Partial<ClaimsInput> = {}) =>
    [...(decodeScanned(encodeClaims(claims({ aud: LOCK, cti: g.cti, role: 'resident', holderKey: phone.publicKey, ...extra }))) as Map<number, unknown>).entries()] as [unknown, unknown][];
  const header = (entries: [unknown, unknown][]) => rawMap(entries);
  const good: [unknown, unknown][] = [[1, -8], [4, owner.publicKey], [16, TYP.grant]];
  const withHeader = (id: string, comment: string, protectedBytes: Uint8Array) =>
    single(id, comment, presentStep(id, [signRaw(owner, protectedBytes, encodeClaims(claims({ aud: LOCK, cti: g.cti, role: 'resident', holderKey: phone.publicKey })))], phone, g.cti, deny('malformed')));
  const withClaims = (id: string, comment: string, entries: [unknown, unknown][]) =>
    single(id, comment, presentStep(id, [signRaw(owner, header(good), rawMap(entries))], phone, g.cti, deny('malformed')));
  // cnf {1: {1: 1, -1: 6, -2: the thief's key, -2: the phone's key}}: two keys, one kept.
  const cnfTwice = new Raw(rawMap([[1, new Raw(rawMap([[1, 1], [-1, 6], [-2, thief.publicKey], [-2, phone.publicKey]]))]]));
  const cnfPayload = rawMap(claimEntries().map(([k, v]) => [k, k === 8 ? cnfTwice : v]));
  const tor = torsionedSigner(digest('torsion-carrier', 32));
  const torDeleg = mintGrant(owner, { aud: LOCK, cti: id16('tor-deleg'), holderKey: tor.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 }, exp: s(T) + 86_400 });
  const torLeaf = mintGrant(tor, { aud: LOCK, cti: id16('tor-leaf'), role: 'delivery', holderKey: courier.publicKey, maxUses: 1, exp: s(T) + 3600 });
  const beat = { heartbeat: hex(mintHeartbeat(owner, { time: s(T), seq: 0, aud: LOCK })), expect: { ok: true, seq: 0 } };
  return [
    withHeader('cose-header-duplicate-alg', 'protected header {1: -7, 1: -8, 4: kid, 16: typ}: alg twice (a decoder keeping the last sees EdDSA)', header([[1, -7], [1, -8], [4, owner.publicKey], [16, TYP.grant]])),
    withHeader('cose-header-crit', 'protected header with crit (2) naming an unknown label 99: refused, not ignored', header([[1, -8], [2, [99]], [4, owner.publicKey], [16, TYP.grant], [99, 1]])),
    withHeader('cose-header-extra-label', 'protected header with content type (3), a parameter the profile does not list', header([[1, -8], [3, 'application/cwt'], [4, owner.publicKey], [16, TYP.grant]])),
    withHeader('cose-header-not-deterministic', 'the right parameters in the wrong order (kid before alg): not the deterministic encoding', header([[4, owner.publicKey], [1, -8], [16, TYP.grant]])),
    single('cose-unprotected-not-empty', 'a well-signed grant with a parameter (a second kid) in the unprotected header: the profile says {}', presentStep('unprot', [signRaw(owner, header(good), encodeClaims(claims({ aud: LOCK, cti: g.cti, role: 'resident', holderKey: phone.publicKey })), new Map<number, unknown>([[4, thief.publicKey]]))], phone, g.cti, deny('malformed'))),
    withClaims('claims-duplicate-exp', 'exp twice: an hour ago, then a year ahead (a decoder keeping the last would allow it)', [...claimEntries({ exp: s(T) - 3600 }), [4, s(T) + 365 * 86_400]]),
    withClaims('claims-duplicate-aud', 'aud twice: another lock, then this one', [...claimEntries({ aud: 'back-door' }), [3, LOCK]]),
    withClaims('claims-duplicate-role', 'role twice: guest, then owner', [...claimEntries({ role: 'guest' }), [-65537, 0]]),
    single('claims-duplicate-cnf-key', 'the cnf key map with x twice: the thief\'s key, then the phone\'s', presentStep('cnf-twice', [signRaw(owner, header(good), cnfPayload)], phone, g.cti, deny('malformed'))),
    {
      id: 'deleg-issuer-key-torsion',
      comment: 'the owner delegates to a key with a small-order component; its (cofactorless-valid) grant is refused as an owner key would be',
      lock: lock(),
      steps: [beat, presentStep('tor', [torDeleg, torLeaf], courier, id16('tor-leaf'), deny('bad-issuer-key'))],
    },
  ];
}

export function generate(): Record<string, Vector[]> {
  return { strict: strict(), signatures: signatures(), 'audience-time': audienceAndTime(), schedules: schedules(), revocation: revocation(), proofs: proofs(), delegation: delegations(), malformed: malformed(), commands: commands() };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = 'tests/vectors/grants';
  mkdirSync(dir, { recursive: true });
  for (const [name, vectors] of Object.entries(generate())) {
    writeFileSync(`${dir}/${name}.json`, `${JSON.stringify(vectors, null, 1)}\n`);
    console.log(`${dir}/${name}.json: ${vectors.length} vectors`);
  }
}
