// Prints the worked examples of docs/PROTOCOL.md (hex and CBOR diagnostic notation) from fixed
// test keys, so the document's bytes are real. Run: npx tsx tools/protocol-examples.ts
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { Tag } from 'cbor-x';
import { decodeScanned } from '../firmware/access/cbor.js';
import { decodeSign1 } from '../firmware/access/cose.js';
import { normalizeTracking, trackingDigest } from '../firmware/keypad/codes.js';
import { encodeFrame } from '../firmware/pairing/framing.js';
import { encodeRequest } from '../firmware/pairing/protocol.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from './lib/mint.js';

/** CBOR diagnostic notation (RFC 8949 §8) for the subset our messages use. */
export function diag(value: unknown): string {
  if (value instanceof Tag) return `${value.tag}(${diag(value.value)})`;
  if (value instanceof Uint8Array) return `h'${Buffer.from(value).toString('hex')}'`;
  if (value instanceof Map) return `{${[...value.entries()].map(([k, v]) => `${diag(k)}: ${diag(v)}`).join(', ')}}`;
  if (Array.isArray(value)) return `[${value.map(diag).join(', ')}]`;
  return JSON.stringify(value);
}

/** A COSE_Sign1 with its protected header and payload shown decoded (as << >> embedded CBOR). */
function showSign1(bytes: Uint8Array): string {
  const m = decodeSign1(bytes, { maxBytes: 1 << 20, maxDepth: 8, maxItems: 4096 });
  if (!m.ok) throw new Error(m.reason);
  const v = m.value;
  return `18([\n  << ${diag(v.protectedHeader)} >>,\n  ${diag(v.unprotectedHeader)},\n  << ${diag(decodeScanned(v.payload))} >>,\n  ${diag(v.signature)}\n])`;
}

const LOCK = 'front-door';
const owner = testKey('owner');
const carrier = testKey('carrier-dispatch');
const courier = testKey('courier-phone');
const phone = testKey('phone-anna');
const T = 1780308000; // 2026-06-01T10:00:00Z
const h = (b: Uint8Array) => Buffer.from(b).toString('hex');

const grant = mintGrant(owner, {
  aud: LOCK, sub: 'Anna (dog walker)', cti: Uint8Array.from(Buffer.from('a1'.repeat(16), 'hex')), iat: T, nbf: T, exp: T + 30 * 86_400,
  role: 'guest', holderKey: phone.publicKey, schedule: [{ days: 0b0011111, start: 12 * 60, end: 13 * 60 }],
});
const deleg = mintGrant(owner, {
  aud: LOCK, iss: 'owner app', sub: 'ParcelCo dispatch', cti: Uint8Array.from(Buffer.from('d1'.repeat(16), 'hex')), iat: T, nbf: T, exp: T + 86_400,
  holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 }, obligations: { record: true, relockWithinS: 120 },
});
const leafId = Uint8Array.from(Buffer.from('c1'.repeat(16), 'hex'));
const leaf = mintGrant(carrier, {
  aud: LOCK, iss: 'ParcelCo', sub: 'courier 4711', cti: leafId, iat: T, nbf: T + 3600, exp: T + 3 * 3600, role: 'delivery',
  holderKey: courier.publicKey, maxUses: 1, schedule: [{ days: 0b0000001, start: 13 * 60, end: 15 * 60 }], obligations: { record: true, relockWithinS: 90 },
});
const challenge = Uint8Array.from(Buffer.from('5c'.repeat(32), 'hex'));
const presentation = present([deleg, leaf], courier, LOCK, challenge, leafId);
const revocations = mintRevocations(owner, { seq: 42, aud: LOCK, iat: T, grants: [Uint8Array.from(Buffer.from('a1'.repeat(16), 'hex'))], holders: [], issuers: [] });
const heartbeat = mintHeartbeat(owner, { time: T, seq: 42, aud: LOCK });
const command = mintCommand(owner, { aud: LOCK, nonce: Uint8Array.from(Buffer.from('0e'.repeat(16), 'hex')), iat: T, exp: T + 60, action: 'unlock' });

export function examplesMarkdown(): string {
  const lines: string[] = [];
  const out: [string, Uint8Array][] = [['Guest grant', grant], ['Delegation to a carrier', deleg], ['Courier grant under the delegation', leaf], ['Revocation list', revocations], ['Heartbeat', heartbeat], ['Remote command', command]];
  lines.push(`Keys: seed label (RFC 8032 seed = the ASCII label padded with "." to 32 bytes; test only), then the seed in hex and the public key:`);
  for (const [label, k] of [['owner', owner], ['carrier-dispatch', carrier], ['courier-phone', courier], ['phone-anna', phone]] as const) {
    lines.push(`  ${label.padEnd(17)} seed   ${h(k.seed)}`, `  ${''.padEnd(17)} public ${h(k.publicKey)}`);
  }
  for (const [title, bytes] of out) {
    lines.push(`\n### ${title} (${bytes.length} bytes)\n\n\`\`\`\n${showSign1(bytes)}\n\`\`\`\n\nhex:\n\n\`\`\`\n${h(bytes).replace(/(.{96})/g, '$1\n')}\n\`\`\``);
  }
  const p = decodeScanned(presentation) as [number, Uint8Array[], Uint8Array];
  lines.push(`\n### Presentation (${presentation.length} bytes), challenge ${h(challenge)}\n\n\`\`\`\n[1, [<<delegation above>>, <<courier grant above>>], <<proof>>]\n\nproof:\n${showSign1(p[2])}\n\`\`\`\n\nhex:\n\n\`\`\`\n${h(presentation).replace(/(.{96})/g, '$1\n')}\n\`\`\``);
  // Parcel box (§13) and serial pairing (§14).
  const secret = new Uint8Array(32).fill(0x42);
  const tracking = normalizeTracking('1z 999 aa1 0123 4567 84')!;
  lines.push(`\n### Tracking-number digest (§13), keypad secret 42…42\n\n\`\`\`\nnormalized("1z 999 aa1 0123 4567 84") = "${tracking}"\nHMAC-SHA-256(secret, "lock-tracking-v1" || 0x00 || "${tracking}") =\n\`\`\`\n\ndigest:\n\n\`\`\`\n${h(trackingDigest(secret, tracking))}\n\`\`\``);
  const request = encodeRequest(7, 'info');
  const frame = encodeFrame(request);
  lines.push(`\n### Serial request \`info\` (§14), id 7\n\n\`\`\`\n${diag(decodeScanned(request))}\n\npayload ${h(request)}\ncrc32   ${crc32(request).toString(16).padStart(8, '0')} (zlib crc32 of the payload, big-endian)\n\`\`\`\n\nframe:\n\n\`\`\`\n${h(frame)}\n\`\`\``);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(examplesMarkdown());
