// Generates tests/vectors/protocol/*.json, the conformance set of docs/PROTOCOL.md appendix C: for
// every message and event type, valid and invalid examples with the verdict and reason the lock
// (or, for what the lock signs, its owner's app) gives. Deterministic: fixed keys, ids and times.
// Run: npx tsx tools/gen-protocol-vectors.ts
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tag } from 'cbor-x';
import { encodeSign1, sigStructure } from '../firmware/access/cose.js';
import { encodeClaims } from '../firmware/access/grant.js';
import { signMessage, TYP } from '../firmware/access/messages.js';
import { identityFromSeed } from '../firmware/identity.js';
import { encodeFrame } from '../firmware/pairing/framing.js';
import { decodeScanned, encodeDeterministic as cbor } from '../firmware/access/cbor.js';
import { claims, mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from './lib/mint.js';

export type Input = 'store-grant' | 'present' | 'revocations' | 'heartbeat' | 'command' | 'event' | 'attestation' | 'serial';
export interface ProtocolCase {
  id: string;
  comment: string;
  input: Input;
  /** The lock's time when the message arrives. */
  at: string;
  /** Messages given first, each accepted (state the case needs: a list, an earlier heartbeat). */
  before?: { input: Input; hex: string }[];
  /** For `present`: the challenge the lock issued. */
  challenge?: string;
  hex: string;
  expect: { verdict: 'accept' | 'refuse' | 'drop'; reason: string };
}
export interface ProtocolFile {
  lock: { lockId: string; timeZone: string; ownerKeys: string[]; devicePublicKey: string };
  cases: ProtocolCase[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const id16 = (label: string) => Uint8Array.from(createHash('sha256').update(`cti:${label}`).digest().subarray(0, 16));
const LOCK = 'front-door';
const owner = testKey('owner');
const phone = testKey('phone-anna');
const thief = testKey('thief');
const carrier = testKey('carrier-dispatch');
const courier = testKey('courier-phone');
const device = identityFromSeed(Uint8Array.from(Buffer.from('device-front-door'.padEnd(32, '.'), 'ascii')));
const AT = '2026-06-01T10:00:00Z'; // Monday, 12:00 in Berlin
const T = Date.parse(AT) / 1000;
const ok = { verdict: 'accept', reason: 'ok' } as const;
const no = (reason: string) => ({ verdict: 'refuse', reason }) as const;
const drop = (reason: string) => ({ verdict: 'drop', reason }) as const;
const c = (id: string, comment: string, input: Input, bytes: Uint8Array, expect: ProtocolCase['expect'], extra: Partial<ProtocolCase> = {}): ProtocolCase => ({ id, comment, input, at: AT, ...extra, hex: hex(bytes), expect });
/** A copy with one byte inverted (a negative index counts from the end). */
const flip = (bytes: Uint8Array, at: number) => {
  const copy = Uint8Array.from(bytes);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = copy[i]! ^ 0xff;
  return copy;
};
/** A correctly signed COSE_Sign1 around any payload bytes. */
const signRaw = (typ: string, payload: Uint8Array, key = owner) => encodeSign1(key.publicKey, typ, payload, key.sign);

function grants(): ProtocolCase[] {
  const guest = (extra = {}) => mintGrant(owner, { aud: LOCK, cti: id16('guest'), role: 'guest', holderKey: phone.publicKey, nbf: T - 3600, exp: T + 86_400, ...extra });
  const deleg = mintGrant(owner, { aud: LOCK, cti: id16('deleg'), holderKey: carrier.publicKey, nbf: T - 3600, exp: T + 86_400, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 } });
  const visit = (extra = {}) => mintGrant(carrier, { aud: LOCK, cti: id16('visit'), role: 'delivery', holderKey: courier.publicKey, nbf: T - 3600, exp: T + 3600, maxUses: 1, ...extra });
  const tampered = flip(guest(), -1);
  const unknownClaim = decodeScanned(encodeClaims(claims({ aud: LOCK, cti: id16('x'), role: 'guest', holderKey: phone.publicKey }))) as Map<number, unknown>;
  unknownClaim.set(-70000, 1);
  return [
    c('grant-ok', 'an owner-signed guest grant for a phone', 'store-grant', guest(), ok),
    c('chain-ok', 'a delegation to a carrier and its visit grant, as a CBOR array root first', 'store-grant', cbor([deleg, visit()]), ok),
    c('grant-bad-signature', 'the last signature byte flipped', 'store-grant', tampered, no('bad-signature')),
    c('grant-wrong-lock', 'aud is another lock', 'store-grant', guest({ aud: 'back-door' }), no('wrong-lock')),
    c('grant-expired', 'exp an hour ago', 'store-grant', guest({ exp: T - 3600 }), no('expired')),
    c('grant-starts-tomorrow', 'nbf tomorrow: stored now, its start is judged when it is used', 'store-grant', guest({ nbf: T + 86_400, exp: T + 2 * 86_400 }), ok),
    c('grant-unknown-issuer', 'signed by a key that is not an owner', 'store-grant', mintGrant(thief, { aud: LOCK, cti: id16('t'), role: 'owner', holderKey: thief.publicKey }), no('unknown-issuer')),
    c('grant-unknown-claim', 'an unknown claim may be a restriction: refused', 'store-grant', signRaw(TYP.grant, cbor(unknownClaim)), no('malformed')),
    c('grant-wrong-type', 'a heartbeat is not a grant', 'store-grant', mintHeartbeat(owner, { time: T, seq: 0, aud: LOCK }), no('malformed')),
    c('chain-widens', 'a visit grant for 3 uses under a delegation bounded to 1', 'store-grant', cbor([deleg, visit({ maxUses: 3 })]), no('delegation-widens')),
    c('chain-broken', 'a visit grant signed by someone other than the delegate', 'store-grant', cbor([deleg, mintGrant(thief, { aud: LOCK, cti: id16('v2'), role: 'delivery', holderKey: courier.publicKey })]), no('broken-chain')),
    c('chain-too-long', 'four links', 'store-grant', cbor([deleg, deleg, deleg, visit()]), no('chain-too-long')),
  ];
}

function presentations(): ProtocolCase[] {
  const ch = Uint8Array.from(createHash('sha256').update('challenge').digest());
  const cti = id16('owner-phone');
  const grant = mintGrant(owner, { aud: LOCK, cti, role: 'owner', holderKey: phone.publicKey });
  const at = { challenge: hex(ch) };
  return [
    c('present-ok', 'an owner grant for a phone, proof over the challenge the lock issued', 'present', present([grant], phone, LOCK, ch, cti), ok, at),
    c('present-copied', 'the same grant, proof signed by a thief', 'present', present([grant], thief, LOCK, ch, cti), no('bad-proof'), at),
    c('present-other-challenge', 'proof over a challenge this lock never issued', 'present', present([grant], phone, LOCK, new Uint8Array(32).fill(9), cti), no('challenge-unknown'), at),
    c('present-proof-other-lock', 'proof names another lock', 'present', present([grant], phone, 'back-door', ch, cti), no('bad-proof'), at),
    c('present-stale', 'a guest grant on a lock that never had a heartbeat', 'present', present([mintGrant(owner, { aud: LOCK, cti: id16('g'), role: 'guest', holderKey: phone.publicKey })], phone, LOCK, ch, id16('g')), no('revocations-stale'), at),
    c('present-malformed', 'version 2 of the presentation array', 'present', cbor([2, [grant], new Uint8Array(0)]), no('malformed'), at),
  ];
}

function updates(): ProtocolCase[] {
  const list = (seq: number, extra = {}) => mintRevocations(owner, { seq, aud: LOCK, iat: T, grants: [id16('guest')], ...extra });
  const beat = (time: number, extra = {}) => mintHeartbeat(owner, { time, seq: 0, aud: LOCK, ...extra });
  const bad = flip(list(3), -1);
  return [
    c('revocations-ok', 'seq 3, revoking one grant id', 'revocations', list(3), ok),
    c('revocations-same-seq', 'the same seq again: a no-op, answered ok', 'revocations', list(3), ok, { before: [{ input: 'revocations', hex: hex(list(3)) }] }),
    c('revocations-rollback', 'seq 2 after seq 3', 'revocations', list(2), no('rollback'), { before: [{ input: 'revocations', hex: hex(list(3)) }] }),
    c('revocations-wrong-lock', 'aud is another lock', 'revocations', list(3, { aud: 'back-door' }), no('wrong-lock')),
    c('revocations-not-owner', 'signed by a key that is not an owner', 'revocations', mintRevocations(thief, { seq: 9, aud: LOCK, iat: T }), no('not-owner')),
    c('revocations-bad-signature', 'the last signature byte flipped', 'revocations', bad, no('bad-signature')),
    c('revocations-wrong-type', 'a heartbeat on the revocations topic', 'revocations', beat(T), no('wrong-type')),
    c('revocations-untagged', 'the COSE array without tag 18', 'revocations', list(3).subarray(1), no('malformed')),
    c('heartbeat-ok', 'an owner heartbeat naming seq 0', 'heartbeat', beat(T), ok),
    c('heartbeat-rollback', 'older than the last heartbeat', 'heartbeat', beat(T - 60), no('rollback'), { before: [{ input: 'heartbeat', hex: hex(beat(T)) }] }),
    c('heartbeat-wrong-lock', 'aud is another lock', 'heartbeat', beat(T, { aud: 'back-door' }), no('wrong-lock')),
    c('heartbeat-not-owner', 'signed by a key that is not an owner', 'heartbeat', mintHeartbeat(thief, { time: T, seq: 0, aud: LOCK }), no('not-owner')),
    c('heartbeat-malformed', 'a payload without the lock id', 'heartbeat', signRaw(TYP.heartbeat, cbor(new Map([[1, T], [2, 0]]))), no('malformed')),
  ];
}

function commands(): ProtocolCase[] {
  const cmd = (label: string, extra: Partial<Parameters<typeof mintCommand>[1]> = {}, key = owner) =>
    mintCommand(key, { aud: LOCK, nonce: id16(label), iat: T, exp: T + 60, action: 'unlock', ...extra });
  return [
    c('command-ok', 'an owner-signed unlock valid for a minute', 'command', cmd('a'), ok),
    c('command-replayed', 'the same command again', 'command', cmd('b'), no('replayed'), { before: [{ input: 'command', hex: hex(cmd('b')) }] }),
    c('command-expired', 'expired 10 minutes ago', 'command', cmd('c', { iat: T - 700, exp: T - 600 }), no('expired')),
    c('command-not-yet-valid', 'issued 10 minutes from now', 'command', cmd('d', { iat: T + 600, exp: T + 660 }), no('not-yet-valid')),
    c('command-too-long', 'exp - iat = 301 s', 'command', cmd('e', { exp: T + 301 }), no('malformed')),
    c('command-wrong-lock', 'aud is another lock', 'command', cmd('f', { aud: 'back-door' }), no('wrong-lock')),
    c('command-not-owner', 'signed by a key that is not an owner', 'command', cmd('g', {}, thief), no('not-owner')),
    c('command-unknown-action', 'action "open"', 'command', cmd('h', { action: 'open' }), no('malformed')),
  ];
}

function deviceSigned(): ProtocolCase[] {
  const event = (payload: Map<number, unknown>, key = device) => signMessage(key, TYP.event, payload);
  const body = (seq: number, extra: [number, unknown][] = []) => new Map<number, unknown>([[1, LOCK], [2, seq], [3, T], [4, 'door'], [5, new Map([['state', 'open']])], [6, 250], ...extra]);
  const forged = identityFromSeed(new Uint8Array(32).fill(4));
  const tampered = flip(event(body(1)), -1);
  // A protected header whose alg is not EdDSA, signed with the device key all the same.
  const withAlg = (alg: number, payload: Uint8Array) => {
    const protectedBytes = cbor(new Map<number, unknown>([[1, alg], [4, device.publicKey], [16, TYP.event]]));
    return cbor(new Tag([protectedBytes, new Map(), payload, device.sign(sigStructure(protectedBytes, payload))], 18));
  };
  const attest = (key = device, devicePub = device.publicKey) => signMessage(key, TYP.attestation, new Map<number, unknown>([[1, LOCK], [2, [owner.publicKey]], [3, T], [4, devicePub]]));
  return [
    c('event-ok', 'a door event, seq 1, signed by the device key', 'event', event(body(1)), ok),
    c('event-wrong-device', 'signed by another key', 'event', event(body(1), forged), no('wrong-device')),
    c('event-bad-signature', 'the last signature byte flipped', 'event', tampered, no('bad-signature')),
    c('event-wrong-type', 'a heartbeat is not an event', 'event', mintHeartbeat(owner, { time: T, seq: 0, aud: LOCK }), no('wrong-type')),
    c('event-seq-zero', 'sequence numbers start at 1', 'event', event(body(0)), no('malformed')),
    c('event-ms-out-of-range', 'milliseconds 1000', 'event', event(body(1, [[6, 1000]])), no('malformed')),
    c('event-unknown-key', 'payload key 7', 'event', event(body(1, [[7, 1]])), no('malformed')),
    c('event-too-large', 'over 8 KiB (a detail of 8200 characters), signed by the device key', 'event', event(body(1, [[5, new Map([['state', 'x'.repeat(8200)]])]])), no('too-large')),
    c('event-unsupported-alg', 'alg -7 (ES256) in the protected header', 'event', withAlg(-7, cbor(body(1))), no('unsupported-alg')),
    c('event-payload-not-cbor', 'a payload that is not CBOR, validly signed by another key: malformed comes before wrong-device', 'event', encodeSign1(forged.publicKey, TYP.event, Uint8Array.of(0xff), forged.sign), no('malformed')),
    c('attestation-ok', 'the pairing attestation, signed by the device key it names', 'attestation', attest(), ok),
    c('attestation-wrong-device', 'signed by another key', 'attestation', attest(forged, forged.publicKey), no('wrong-device')),
    c('attestation-key-mismatch', 'names a device key other than its signer', 'attestation', attest(device, forged.publicKey), no('malformed')),
  ];
}

function serial(): ProtocolCase[] {
  const request = (m: Map<string, unknown>) => encodeFrame(cbor(m));
  const req = (id: number, op: string, body: [string, unknown][] = [], v = 1) => request(new Map<string, unknown>([['v', v], ['id', id], ['op', op], ['body', new Map(body)]]));
  const badCrc = flip(req(1, 'info'), 2);
  return [
    c('frame-info', 'info, id 7: the worked example of §12', 'serial', req(7, 'info'), ok),
    c('frame-self-test', 'self-test waiting 20 s for a key', 'serial', req(8, 'self-test', [['keypadWaitMs', 20_000]]), ok),
    c('frame-self-test-wait-too-long', 'keypadWaitMs 60001', 'serial', req(9, 'self-test', [['keypadWaitMs', 60_001]]), no('bad-request')),
    c('frame-self-test-unknown-field', 'a body field the lock does not know', 'serial', req(10, 'self-test', [['keypad', true]]), no('bad-request')),
    c('frame-version-2', 'v 2', 'serial', req(11, 'info', [], 2), no('unsupported-version')),
    c('frame-unknown-op', 'op "open"', 'serial', req(12, 'open'), no('unknown-op')),
    c('frame-no-id', 'a request without an id: nothing to answer, dropped', 'serial', request(new Map<string, unknown>([['v', 1], ['op', 'info']])), drop('malformed')),
    c('frame-bad-crc', 'one byte changed in transit', 'serial', badCrc, drop('bad-crc')),
    c('frame-bad-cobs', 'a COBS code byte pointing past the frame', 'serial', Uint8Array.of(0x09, 0x01, 0x02, 0x00), drop('bad-cobs')),
    c('frame-empty', 'two delimiters in a row', 'serial', Uint8Array.of(0x00), drop('empty')),
  ];
}

export function generate(): Record<string, ProtocolFile> {
  const lock = { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [hex(owner.publicKey)], devicePublicKey: hex(device.publicKey) };
  return {
    grants: { lock, cases: grants() },
    presentations: { lock, cases: presentations() },
    updates: { lock, cases: updates() },
    commands: { lock, cases: commands() },
    'device-signed': { lock, cases: deviceSigned() },
    serial: { lock, cases: serial() },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = 'tests/vectors/protocol';
  mkdirSync(dir, { recursive: true });
  for (const [name, file] of Object.entries(generate())) writeFileSync(`${dir}/${name}.json`, `${JSON.stringify(file, null, 1)}\n`);
  console.log(`wrote ${Object.keys(generate()).length} files to ${dir}`);
}
