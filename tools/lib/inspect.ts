// `lockctl inspect`: any of the lock's messages as readable text, with what a lock would refuse.
import { decodeScanned, scanCbor } from '../../firmware/access/cbor.js';
import { narrows } from '../../firmware/access/chain.js';
import { decodeSign1, HEADER_TYP, sigStructure, signerOf } from '../../firmware/access/cose.js';
import { checkTrustedKey, nodeVerifier } from '../../firmware/access/ed25519.js';
import { type Claims, parseClaims } from '../../firmware/access/grant.js';
import { parseCommand, parseHeartbeat, parsePresentation, parseProof, parseRevocations, REVOCATION_LIMITS, TYP } from '../../firmware/access/messages.js';
import { inSchedule } from '../../firmware/access/schedule.js';
import { describeWindow } from './args.js';
import { toHex as hex } from '../../firmware/util/hex.js';
import { inspectDeviceSigned, inspectFrame } from './inspect-device.js';

export interface InspectContext {
  lockId?: string;
  /** The lock's device key: events and attestations must be signed by it. */
  deviceKey?: Uint8Array;
  ownerKeys?: Uint8Array[];
  timeZone?: string;
  now: number;
}

/** A NumericDate in the zone given (else UTC, ISO 8601). */
const date = (s: number, zone: string | undefined) => {
  if (!zone) return new Date(s * 1000).toISOString();
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(s * 1000));
  return `${local} ${zone}`;
};

export interface InspectReport {
  text: string;
  /** What a lock would refuse. */
  problems: string[];
  /** What the verdict depends on and was not given (--tz, --owner, --lock, the chain). */
  needs: string[];
}

export function inspect(bytes: Uint8Array, ctx: InspectContext): InspectReport {
  const lines: string[] = [];
  const problems: string[] = [];
  // Serial frames end in a zero byte, as one COSE message in 256 does by chance: a message that reads as one is one.
  const message = decodeSign1(bytes, REVOCATION_LIMITS).ok || (bytes[0] === 0x83 && parsePresentation(bytes).ok);
  const frame = message ? null : inspectFrame(bytes);
  if (frame) return { ...frame, needs: [] };
  const needs = new Set<string>();
  if (bytes[0] === 0x83) {
    const p = parsePresentation(bytes);
    if (!p.ok) return { text: `presentation: refused (${p.reason})`, problems: [p.reason], needs: [] };
    lines.push(`presentation: chain of ${p.value.chain.length}, proof ${p.value.proof.length} bytes`);
    let parent: Claims | null = null;
    for (const [i, link] of p.value.chain.entries()) {
      const r = inspectSigned(link, ctx, `link ${i + 1}`, parent, needs);
      lines.push(r.text);
      problems.push(...r.problems);
      parent = r.claims;
    }
    const r = inspectSigned(p.value.proof, ctx, 'proof', null, needs);
    lines.push(r.text);
    problems.push(...r.problems);
  } else {
    const r = inspectSigned(bytes, ctx, 'message', null, needs, true);
    lines.push(r.text);
    problems.push(...r.problems);
  }
  if (problems.length) lines.push(`a lock would refuse this: ${problems.join('; ')}`);
  else if (needs.size) lines.push(`no problem found so far, but the verdict depends on what was not given: ${[...needs].join('; ')}`);
  else lines.push('no problem found for the context given');
  return { text: lines.join('\n'), problems, needs: problems.length ? [] : [...needs] };
}

function inspectSigned(bytes: Uint8Array, ctx: InspectContext, label: string, parent: Claims | null, needs: Set<string>, alone = false): { text: string; problems: string[]; claims: Claims | null } {
  const problems: string[] = [];
  let signerKey: Uint8Array | null = null;
  const decoded = decodeSign1(bytes, REVOCATION_LIMITS);
  if (!decoded.ok) return { text: `${label}: not a COSE_Sign1 we read (${decoded.reason})`, problems: [`${label}: ${decoded.reason}`], claims: null };
  const m = decoded.value;
  const typ = m.protectedHeader.get(HEADER_TYP);
  const signer = signerOf(m);
  const lines = [`${label}: COSE_Sign1, typ ${JSON.stringify(typ)}, ${bytes.length} bytes`];
  if (!signer.ok) problems.push(`${label}: ${signer.reason}`);
  else {
    const key = signer.value;
    const bad = nodeVerifier().verify(key, sigStructure(m.protectedBytes, m.payload), m.signature);
    lines.push(`  signer ${hex(key)}${ctx.ownerKeys?.some((k) => Buffer.compare(k, key) === 0) ? ' (an owner key)' : ''}; signature ${bad ?? 'valid'}`);
    if (bad) problems.push(`${label}: signature ${bad}`);
    const weak = checkTrustedKey(key);
    if (weak) problems.push(`${label}: signer key ${weak}`);
    signerKey = key;
  }
  if (scanCbor(m.payload, REVOCATION_LIMITS, [])) return { text: lines.join('\n'), problems: [...problems, `${label}: payload malformed`], claims: null };
  const payload = decodeScanned(m.payload);
  let claims: Claims | null = null;
  const aud = (value: string) => {
    if (ctx.lockId && value !== ctx.lockId) problems.push(`${label}: for lock "${value}", not "${ctx.lockId}"`);
    if (!ctx.lockId) needs.add('--lock ID (which lock it is for)');
  };
  const isOwner = (k: Uint8Array) => ctx.ownerKeys?.some((o) => Buffer.compare(o, k) === 0) ?? false;
  /** Who may sign it: an owner key at the root, the parent's delegate key further down. */
  const checkIssuer = () => {
    if (!signerKey) return;
    if (parent) {
      if (parent.holderKey && Buffer.compare(parent.holderKey, signerKey) !== 0) problems.push(`${label}: not signed by the key its parent delegates to`);
    } else if (!ctx.ownerKeys?.length) needs.add('--owner PUBHEX (whether the signer is an owner key)');
    else if (!isOwner(signerKey)) {
      if (alone) needs.add('the chain: it is not signed by an owner key given, so it stands only on a delegation (inspect the presentation)');
      else problems.push(`${label}: not signed by an owner key given`);
    }
  };
  if (typ === TYP.grant) {
    const parsed = parseClaims(payload);
    if (!parsed.ok) problems.push(`${label}: ${parsed.detail}`);
    else {
      claims = parsed.value;
      lines.push(...describeClaims(claims, ctx.timeZone));
      aud(claims.aud);
      checkIssuer();
      const seconds = Math.floor(ctx.now / 1000);
      if (claims.nbf !== null && seconds < claims.nbf) problems.push(`${label}: not valid before ${date(claims.nbf, ctx.timeZone)}`);
      if (claims.exp !== null && seconds >= claims.exp) problems.push(`${label}: expired at ${date(claims.exp, ctx.timeZone)}`);
      if (claims.schedule && ctx.timeZone && !inSchedule(claims.schedule, ctx.now, ctx.timeZone)) problems.push(`${label}: outside its weekly windows now in ${ctx.timeZone}`);
      if (claims.schedule && !ctx.timeZone) needs.add('--tz ZONE (its weekly windows are read in the lock\'s time zone)');
      if (parent && !narrows(claims, parent)) problems.push(`${label}: widens its parent delegation`);
    }
  } else if (typ === TYP.revocations) {
    const list = parseRevocations(payload);
    if (!list) problems.push(`${label}: malformed revocation list`);
    else {
      lines.push(`  revocation list seq ${list.seq} for "${list.aud}" issued ${date(list.iat, ctx.timeZone)}: ${list.grants.length / 16} grant ids, ${list.holders.length / 32} holder keys, ${list.issuers.length / 32} issuer keys`);
      aud(list.aud);
      checkIssuer();
    }
  } else if (typ === TYP.heartbeat) {
    const beat = parseHeartbeat(payload);
    if (!beat) problems.push(`${label}: malformed heartbeat`);
    else {
      lines.push(`  heartbeat for "${beat.aud}": time ${date(beat.time, ctx.timeZone)}, revocation seq ${beat.seq}`);
      aud(beat.aud);
      checkIssuer();
    }
  } else if (typ === TYP.proof) {
    const proof = parseProof(payload);
    if (!proof) problems.push(`${label}: malformed proof`);
    else lines.push(`  proof for "${proof.aud}", grant ${hex(proof.cti)}, challenge ${hex(proof.challenge)}`);
  } else if (typ === TYP.command) {
    const command = parseCommand(payload);
    if (!command) problems.push(`${label}: malformed command`);
    else {
      lines.push(`  command ${command.action}${command.mode ? ` ${command.mode}` : ''} for "${command.aud}", nonce ${hex(command.nonce)}, ${date(command.iat, ctx.timeZone)} to ${date(command.exp, ctx.timeZone)}`);
      aud(command.aud);
      checkIssuer();
      if (Math.floor(ctx.now / 1000) >= command.exp) problems.push(`${label}: expired`);
    }
  } else if (typ === TYP.event || typ === TYP.attestation) {
    const read = inspectDeviceSigned(bytes, typ, ctx.deviceKey);
    lines.push(...read.lines);
    problems.push(...read.problems.map((p) => `${label}: ${p}`));
  } else {
    problems.push(`${label}: unknown typ ${JSON.stringify(typ)}`);
  }
  return { text: lines.join('\n'), problems, claims };
}

function describeClaims(c: Claims, zone: string | undefined): string[] {
  const out = [`  ${c.delegation ? 'delegation' : 'grant'} ${hex(c.cti)} for lock "${c.aud}"${c.sub ? `, holder "${c.sub}"` : ''}${c.iss ? `, issuer "${c.iss}"` : ''}`];
  if (c.role) out.push(`  role ${c.role}`);
  if (c.label) out.push(`  label ${JSON.stringify(c.label)}`);
  if (c.holderKey) out.push(`  ${c.delegation ? 'delegate' : 'holder'} key ${hex(c.holderKey)}`);
  if (c.credential) out.push(`  credential ${c.credential.kind}: ${c.credential.digests.length} keyed digest(s)`);
  out.push(`  ${c.nbf === null && c.exp === null ? 'valid at any time (no start, no end)' : `valid ${c.nbf === null ? 'from its issue' : `from ${date(c.nbf, zone)}`} ${c.exp === null ? 'with no end' : `until ${date(c.exp, zone)}`}`}`);
  if (c.schedule) out.push(`  weekly: ${c.schedule.map(describeWindow).join('; ')}`);
  if (c.maxUses !== null) out.push(`  at most ${c.maxUses} use(s)`);
  if (c.obligations.record) out.push('  camera must be recording before the bolt moves');
  if (c.obligations.relockWithinS !== null) out.push(`  door must be relocked within ${c.obligations.relockWithinS} s`);
  if (c.delegation) out.push(`  may grant: ${c.delegation.roles.join(', ')}; uses at most ${c.delegation.maxUses ?? 'unbounded'}; further delegation depth ${c.delegation.maxDepth}`);
  return out;
}
