// The lock's signed audit events as the stream shows them: decoded to JSON, with the device-key
// signature checked (the same bytes an owner's app reads on `locks/{id}/events`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeScanned, scanCbor } from '../../firmware/access/cbor.js';
import { decodeSign1 } from '../../firmware/access/cose.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { identityFromSeed } from '../../firmware/identity.js';

export interface StreamEvent {
  /** The lock's own sequence number (signed events), or a local counter (in-process events). */
  seq: number;
  /** Milliseconds since the epoch, from the event. */
  at: number;
  type: string;
  data: Record<string, unknown>;
  /** `ok`: signed by the lock's device key and verified; null: an in-process event (no outbox). */
  signed: { ok: boolean; signer: string | null; reason: string | null } | null;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** CBOR values as JSON: maps to objects, byte strings to hex, [s, ms] times kept as they are. */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Decode and verify one event; null for bytes that are not an event at all. Never throws. */
export function decodeEvent(bytes: Uint8Array, deviceKey: Uint8Array | null): StreamEvent | null {
  const opened = openSigned(bytes, TYP.event, verifier);
  let payload: unknown;
  let signed: StreamEvent['signed'];
  if (opened.ok) {
    payload = opened.value.payload;
    const byDevice = deviceKey === null || Buffer.compare(opened.value.signer, deviceKey) === 0;
    signed = { ok: byDevice, signer: hex(opened.value.signer), reason: byDevice ? null : 'not-the-device-key' };
  } else {
    const m = decodeSign1(bytes);
    if (!m.ok || scanCbor(m.value.payload, undefined, [])) return null;
    payload = decodeScanned(m.value.payload);
    signed = { ok: false, signer: null, reason: opened.reason };
  }
  if (!(payload instanceof Map)) return null;
  const seconds = payload.get(3);
  const ms = payload.get(6);
  return {
    seq: Number(payload.get(2) ?? 0),
    at: (typeof seconds === 'number' ? seconds * 1000 : 0) + (typeof ms === 'number' ? ms : 0),
    type: String(payload.get(4) ?? 'unknown'),
    data: (toJson(payload.get(5) ?? new Map()) ?? {}) as Record<string, unknown>,
    signed,
  };
}
const verifier = nodeVerifier(64);

/** The device's public key from its state directory (`device.key`), or null if it has none yet. */
export function devicePublicKey(dir: string): Uint8Array | null {
  try {
    const seed = Uint8Array.from(Buffer.from(readFileSync(join(dir, 'device.key'), 'utf8').trim(), 'hex'));
    return identityFromSeed(seed).publicKey;
  } catch {
    return null;
  }
}

/** Signed events as an MQTT subscriber sees them, from the broker the lock publishes to. */
export async function mqttEvents(url: string, lockId: string, onEvent: (bytes: Uint8Array) => void): Promise<{ close(): Promise<void> }> {
  const { connect } = await import('mqtt');
  const client = connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 1_000, clientId: `sim-web-${process.pid}` });
  const topic = `locks/${lockId}/events`;
  client.on('message', (t, payload) => {
    if (t === topic) onEvent(Uint8Array.from(payload));
  });
  client.on('connect', () => client.subscribe(topic, { qos: 1 }));
  client.on('error', () => {}); // reconnects on its own; the page shows in-process state meanwhile
  return { close: () => client.endAsync(true).then(() => undefined) };
}
