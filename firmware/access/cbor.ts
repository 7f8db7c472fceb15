// CBOR at the trust boundary. `scanCbor` walks untrusted bytes before any decoder sees them and
// bounds everything cbor-x does not: total size, nesting depth, item count, declared lengths,
// and the kinds of item our formats use (no indefinite lengths, no floats, no 64-bit integers,
// no tags but COSE_Sign1's 18), and refuses a map with a key twice (RFC 9052 §3, RFC 8949 §5.6: a
// decoder that keeps one of them is the classic COSE confusion) or a key that is not an integer or
// a string. `encodeDeterministic` writes RFC 8949 §4.2.1 deterministic CBOR.
import { Decoder, Encoder } from 'cbor-x';

export interface CborLimits {
  maxBytes: number;
  maxDepth: number;
  maxItems: number;
}

export const DEFAULT_LIMITS: CborLimits = { maxBytes: 8192, maxDepth: 8, maxItems: 1024 };

export type CborRefusal = 'too-large' | 'malformed' | 'too-deep' | 'too-many-items' | 'unsupported-item' | 'trailing-bytes' | 'duplicate-key';

/** null when `bytes` is exactly one well-formed item within the limits, else why not. Never throws. */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_LIMITS, allowedTags: readonly number[] = [18]): CborRefusal | null {
  if (bytes.length > limits.maxBytes) return 'too-large';
  let pos = 0;
  let items = 0;
  const readArg = (ai: number): number | null => {
    if (ai < 24) return ai;
    const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0;
    if (size === 0 || pos + size > bytes.length) return null; // 27 (8 bytes), 28-31 refused
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + bytes[pos + i]!;
    pos += size;
    return value;
  };
  // An explicit stack (not recursion), so hostile nesting cannot blow the call stack.
  const pending: number[] = [1]; // items still to read at each open level
  const keys: (Set<string> | null)[] = [null]; // at a map level: the keys seen so far
  while (pending.length > 0) {
    const top = pending.length - 1;
    if (pending[top] === 0) {
      pending.pop();
      keys.pop();
      continue;
    }
    const seen = keys[top] ?? null;
    const atKey = seen !== null && pending[top]! % 2 === 0; // a map's entries alternate key, value
    pending[top]!--;
    if (pos >= bytes.length) return 'malformed';
    if (++items > limits.maxItems) return 'too-many-items';
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const ai = initial & 0x1f;
    if (atKey && major > 3) return 'unsupported-item'; // keys are integers or strings
    if (ai === 31) return 'unsupported-item'; // indefinite length
    if (major === 7) {
      if (ai !== 20 && ai !== 21 && ai !== 22) return 'unsupported-item'; // only false, true, null
      continue;
    }
    const arg = readArg(ai);
    if (arg === null) return ai >= 27 ? 'unsupported-item' : 'malformed';
    if (atKey) {
      // The key by value (major type, and the integer or the string's bytes), whatever its encoding.
      const end = major >= 2 ? pos + arg : pos;
      if (end > bytes.length) return 'malformed';
      const key = major >= 2 ? `${major}:${Buffer.from(bytes.buffer, bytes.byteOffset + pos, arg).toString('hex')}` : `${major}:${arg}`;
      if (seen!.has(key)) return 'duplicate-key';
      seen!.add(key);
    }
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (arg > bytes.length - pos) return 'malformed';
        if (major === 3 && !validUtf8(bytes.subarray(pos, pos + arg))) return 'malformed';
        pos += arg;
        break;
      case 4:
      case 5: {
        const count = major === 4 ? arg : arg * 2;
        if (count > bytes.length - pos) return 'malformed'; // each item needs at least a byte
        if (pending.length >= limits.maxDepth) return 'too-deep';
        pending.push(count);
        keys.push(major === 5 ? new Set() : null);
        break;
      }
      case 6:
        if (!allowedTags.includes(arg)) return 'unsupported-item';
        if (pending.length >= limits.maxDepth) return 'too-deep';
        pending.push(1);
        keys.push(null);
        break;
    }
  }
  return pos === bytes.length ? null : 'trailing-bytes';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function validUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });

/** Decode bytes that `scanCbor` accepted. Maps come back as Map, byte strings as Uint8Array. */
export function decodeScanned(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/**
 * Deterministic encoding (RFC 8949 §4.2.1): shortest forms (cbor-x's with variableMapSize),
 * definite lengths, and map keys sorted by their encoded bytes. Plain objects are not accepted:
 * our formats use integer-keyed Maps.
 */
export function encodeDeterministic(value: unknown): Uint8Array {
  return new Uint8Array(encoder.encode(sortMaps(value)));
}

function sortMaps(value: unknown): unknown {
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [Buffer.from(encoder.encode(k)), k, sortMaps(v)] as const);
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    return new Map(entries.map(([, k, v]) => [k, v]));
  }
  if (Array.isArray(value)) return value.map(sortMaps);
  return value;
}
