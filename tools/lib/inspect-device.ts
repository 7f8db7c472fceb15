// `lockctl inspect` for what the lock itself sends: signed events and attestations (checked
// against its device key when given) and serial frames or messages of the installer protocol.
import { decodeScanned, scanCbor } from '../../firmware/access/cbor.js';
import { TYP } from '../../firmware/access/messages.js';
import { FrameDecoder } from '../../firmware/pairing/framing.js';
import { MESSAGE_LIMITS, parseReply, parseRequest } from '../../firmware/pairing/protocol.js';
import { describeAttestation, describeEvent, plain, readAttestation, readEvent } from './events.js';

/** An event or attestation's contents; `problems` when it does not verify or is not from `deviceKey`. */
export function inspectDeviceSigned(bytes: Uint8Array, typ: typeof TYP.event | typeof TYP.attestation, deviceKey?: Uint8Array): { lines: string[]; problems: string[] } {
  const read = typ === TYP.event ? readEvent(bytes) : readAttestation(bytes);
  if (!read.ok) return { lines: [], problems: [`${typ === TYP.event ? 'event' : 'attestation'} ${read.reason}`] };
  const signer = 'event' in read ? read.event.signer : read.attestation.signer;
  const lines = 'event' in read ? [`  event of lock "${read.event.lockId}":`, `  ${describeEvent(read.event)}`] : describeAttestation(read.attestation);
  const problems: string[] = [];
  if (deviceKey) {
    const mine = Buffer.from(deviceKey).toString('hex') === signer;
    lines.push(mine ? '  signed by the device key given' : `  NOT signed by the device key given (${Buffer.from(deviceKey).toString('hex')})`);
    if (!mine) problems.push('wrong-device: not signed by the device key given');
  } else lines.push('  (give --device-key to check that this lock made it)');
  return { lines, problems };
}

/**
 * Serial bytes (§14): one or more frames ending in 0x00, or a bare request or reply payload.
 * Null when the bytes are neither (then they are read as a COSE message).
 */
export function inspectFrame(bytes: Uint8Array): { text: string; problems: string[] } | null {
  if (bytes.length === 0) return null;
  const payloads: Uint8Array[] = [];
  const framed = bytes.at(-1) === 0;
  if (framed) {
    const decoder = new FrameDecoder((p) => payloads.push(p));
    decoder.push(bytes);
    const c = decoder.counters;
    const dropped = c.badCobs + c.badCrc + c.oversize;
    if (payloads.length === 0 && dropped === 0) return null;
    const lines = [`serial bytes: ${payloads.length} frame(s)${dropped ? `, ${dropped} dropped (bad COBS ${c.badCobs}, bad CRC ${c.badCrc}, oversize ${c.oversize})` : ''}`];
    for (const p of payloads) lines.push(...describePayload(p));
    const problems = dropped ? [`${dropped} frame(s) a lock would drop`] : [];
    lines.push(problems.length ? `a lock would refuse this: ${problems.join('; ')}` : 'no problem found');
    return { text: lines.join('\n'), problems };
  }
  // A bare payload: a CBOR map with text keys "v" and "id".
  if (bytes[0]! >> 5 !== 5 || scanCbor(bytes, { ...MESSAGE_LIMITS, maxBytes: 16_384 }, [])) return null;
  const value = decodeScanned(bytes);
  if (!(value instanceof Map) || !value.has('id')) return null;
  return { text: describePayload(bytes).join('\n'), problems: [] };
}

function describePayload(payload: Uint8Array): string[] {
  const request = parseRequest(payload);
  if (request.ok) {
    const r = request.request;
    return [`  request id ${r.id}: ${r.op} ${JSON.stringify(plain(r.body))}`];
  }
  const reply = (() => {
    try {
      return parseReply(payload);
    } catch {
      return null;
    }
  })();
  if (reply?.ok) return [`  reply id ${reply.id}: ok ${JSON.stringify(plain(reply.body))}`];
  if (reply) return [`  reply id ${reply.id}: error ${reply.error.code}: ${reply.error.message}`];
  return [`  not a request or reply: ${request.code} (${request.message})`];
}
