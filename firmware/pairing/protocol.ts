// The installer's serial protocol: CBOR requests and replies, one per frame (framing.ts). Every
// message is a map with text keys: {"v": 1, "id": n, "op": "...", "body": {...}} in, and
// {"v": 1, "id": n, "ok": true, "body": {...}} or {"v": 1, "id": n, "ok": false, "error":
// {"code": "...", "message": "..."}} out. Parsing is strict and bounded; it never throws.
import { type CborLimits, decodeScanned, encodeDeterministic, scanCbor } from '../access/cbor.js';

export const PROTOCOL_VERSION = 1;
export const OPS = ['info', 'pair', 'set-time', 'self-test', 'factory-reset'] as const;
export type Op = (typeof OPS)[number];

/** Error codes a reply may carry. Closed set; `message` says it for a person. */
export const PAIRING_ERRORS = [
  'malformed', 'unsupported-version', 'unknown-op', 'bad-request', 'not-in-pairing-window', 'button-not-held',
  'busy', 'store-failure', 'internal',
] as const;
export type PairingErrorCode = (typeof PAIRING_ERRORS)[number];

export const MESSAGE_LIMITS: CborLimits = { maxBytes: 4096, maxDepth: 6, maxItems: 256 };

export interface Request {
  v: number;
  id: number;
  op: Op;
  body: Map<string, unknown>;
}

export type Reply =
  | { v: number; id: number; ok: true; body: Map<string, unknown> }
  | { v: number; id: number; ok: false; error: { code: PairingErrorCode; message: string } };

export type ParsedRequest =
  | { ok: true; request: Request }
  /** `id` when the request got far enough to have one: the reply can name it. */
  | { ok: false; id: number | null; code: PairingErrorCode; message: string };

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

export function parseRequest(bytes: Uint8Array): ParsedRequest {
  const refusal = scanCbor(bytes, MESSAGE_LIMITS, []);
  if (refusal) return { ok: false, id: null, code: 'malformed', message: `not a CBOR message within bounds (${refusal})` };
  let value: unknown;
  try {
    value = decodeScanned(bytes);
  } catch {
    return { ok: false, id: null, code: 'malformed', message: 'not a CBOR message' };
  }
  if (!(value instanceof Map)) return { ok: false, id: null, code: 'malformed', message: 'a request is a map' };
  const id = value.get('id');
  if (!isUint(id)) return { ok: false, id: null, code: 'malformed', message: 'id must be an unsigned integer' };
  const v = value.get('v');
  if (v !== PROTOCOL_VERSION) return { ok: false, id, code: 'unsupported-version', message: `this lock speaks protocol version ${PROTOCOL_VERSION}` };
  const op = value.get('op');
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) return { ok: false, id, code: 'unknown-op', message: `op must be one of ${OPS.join(', ')}` };
  const body = value.get('body') ?? new Map();
  if (!(body instanceof Map)) return { ok: false, id, code: 'bad-request', message: 'body must be a map' };
  for (const key of value.keys()) if (!['v', 'id', 'op', 'body'].includes(key as string)) return { ok: false, id, code: 'bad-request', message: `unknown field ${String(key)}` };
  return { ok: true, request: { v, id, op: op as Op, body } };
}

export function encodeRequest(id: number, op: Op, body: Map<string, unknown> = new Map()): Uint8Array {
  return encodeDeterministic(new Map<string, unknown>([['v', PROTOCOL_VERSION], ['id', id], ['op', op], ['body', body]]));
}

export function encodeReply(reply: Reply): Uint8Array {
  const m = new Map<string, unknown>([['v', reply.v], ['id', reply.id], ['ok', reply.ok]]);
  if (reply.ok) m.set('body', reply.body);
  else m.set('error', new Map<string, unknown>([['code', reply.error.code], ['message', reply.error.message]]));
  return encodeDeterministic(m);
}

/** A reply as the installer's tool reads it; null when it is not one. */
export function parseReply(bytes: Uint8Array): Reply | null {
  if (scanCbor(bytes, { ...MESSAGE_LIMITS, maxBytes: 16_384 }, [18])) return null;
  const value = decodeScanned(bytes);
  if (!(value instanceof Map)) return null;
  const id = value.get('id');
  const ok = value.get('ok');
  if (!isUint(id) || typeof ok !== 'boolean') return null;
  if (ok) {
    const body = value.get('body');
    return body instanceof Map ? { v: value.get('v') as number, id, ok, body } : null;
  }
  const error = value.get('error');
  if (!(error instanceof Map)) return null;
  return { v: value.get('v') as number, id, ok, error: { code: error.get('code') as PairingErrorCode, message: String(error.get('message')) } };
}

export { fromCbor, toCbor } from './plain.js';
