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

/** A map key by value: integers as numbers, strings as "major:hex" (never equal to a number). */
type KeyId = number | string;
/**
 * The scan's stacks, kept between calls and only ever grown (scanCbor is synchronous and calls
 * nothing that could re-enter it), so a scan allocates nothing for its bookkeeping. Level `d`
 * (0 = the top item) has `pending[d]` items still to read; at a map level, its keys start at
 * `keysFrom[d]` in `keys`, or, once it has many, are held in `keySets[d]`.
 */
const pending: number[] = [];
const mapAt: boolean[] = [];
const keysFrom: number[] = [];
const keySets: (Set<KeyId> | null)[] = [];
const keys: KeyId[] = [];
let keyCount = 0;
/** Up to this many keys a map's keys are compared one by one; beyond it they go in a set. */
const LINEAR_KEYS = 8;

/** null when `bytes` is exactly one well-formed item within the limits, else why not. Never throws. */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_LIMITS, allowedTags: readonly number[] = COSE_TAGS): CborRefusal | null {
  if (bytes.length > limits.maxBytes) return 'too-large';
  let pos = 0;
  let items = 0;
  // An explicit stack (not recursion), so hostile nesting cannot blow the call stack.
  let depth = 1;
  open(0, 1, false);
  keyCount = 0;
  while (depth > 0) {
    const top = depth - 1;
    if (pending[top] === 0) {
      keyCount = keysFrom[top]!;
      keySets[top] = null;
      depth--;
      continue;
    }
    const atKey = mapAt[top]! && pending[top]! % 2 === 0; // a map's entries alternate key, value
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
    let arg = ai;
    if (ai >= 24) {
      const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0;
      if (size === 0) return 'unsupported-item'; // 27 (8 bytes), 28-30 refused
      if (pos + size > bytes.length) return 'malformed';
      arg = 0;
      for (let i = 0; i < size; i++) arg = arg * 256 + bytes[pos + i]!;
      pos += size;
    }
    if (atKey) {
      // The key by value (major type, and the integer or the string's bytes), whatever its encoding.
      if (major >= 2 && arg > bytes.length - pos) return 'malformed';
      const key: KeyId = major === 0 ? arg : major === 1 ? -1 - arg : `${major}:${Buffer.from(bytes.buffer, bytes.byteOffset + pos, arg).toString('hex')}`;
      if (!addKey(top, key)) return 'duplicate-key';
    }
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (arg > bytes.length - pos) return 'malformed';
        if (major === 3 && (!validUtf8(bytes, pos, arg) || startsWithBom(bytes, pos, arg))) return 'malformed';
        pos += arg;
        break;
      case 4:
      case 5: {
        const count = major === 4 ? arg : arg * 2;
        if (count > bytes.length - pos) return 'malformed'; // each item needs at least a byte
        if (depth >= limits.maxDepth) return 'too-deep';
        open(depth++, count, major === 5);
        break;
      }
      case 6:
        if (!allowedTags.includes(arg)) return 'unsupported-item';
        if (depth >= limits.maxDepth) return 'too-deep';
        open(depth++, 1, false);
        break;
    }
  }
  return pos === bytes.length ? null : 'trailing-bytes';
}

const COSE_TAGS: readonly number[] = [18];

/** Open level `d` with `count` items to read. */
function open(d: number, count: number, isMap: boolean): void {
  pending[d] = count;
  mapAt[d] = isMap;
  keysFrom[d] = keyCount;
  keySets[d] = null;
}

/** Note a key of the map at level `top`: false if the map already has it. */
function addKey(top: number, key: KeyId): boolean {
  const set = keySets[top];
  if (set) {
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }
  const from = keysFrom[top]!;
  for (let i = from; i < keyCount; i++) if (keys[i] === key) return false;
  keys[keyCount++] = key;
  // A big map: compare through a set from now on.
  if (keyCount - from > LINEAR_KEYS) keySets[top] = new Set(keys.slice(from, keyCount));
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Does the text at bytes[at, at + n) begin with U+FEFF (EF BB BF)? Refused: decoders drop a leading
 * byte-order mark from some texts (cbor-x's TextDecoder, for 65 bytes and more), so the signed text
 * "\uFEFF" + a lock id would be read as that lock id.
 */
function startsWithBom(bytes: Uint8Array, at: number, n: number): boolean {
  return n >= 3 && bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}
/** Is bytes[at, at + n) valid UTF-8? ASCII (all our texts) is checked in place. */
function validUtf8(bytes: Uint8Array, at: number, n: number): boolean {
  let i = at;
  while (i < at + n && bytes[i]! < 0x80) i++;
  if (i === at + n) return true;
  try {
    utf8.decode(bytes.subarray(at, at + n));
    return true;
  } catch {
    return false;
  }
}

const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });

/** The head read last by `readHead`: one shared record, so reading heads allocates nothing. */
const head = { arg: 0, next: 0 };
/** The argument (a length, count, tag or integer) of the head `readHead` read last. */
export const headArg = (): number => head.arg;
/** The offset just after the head `readHead` read last. */
export const headEnd = (): number => head.next;

/**
 * The major type of the item at `at` in bytes `scanCbor` accepted (so every head is well formed,
 * in bounds and at most 4 bytes of argument), its argument and end left for `headArg` and `headEnd`. For
 * the fixed shapes read on every decision, where a general decoder would build what is thrown away.
 */
export function readHead(bytes: Uint8Array, at: number): number {
  const initial = bytes[at]!;
  const ai = initial & 0x1f;
  let arg = ai;
  let next = at + 1;
  if (ai >= 24) {
    const size = ai === 24 ? 1 : ai === 25 ? 2 : 4;
    arg = 0;
    for (let i = 0; i < size; i++) arg = arg * 256 + bytes[next + i]!;
    next += size;
  }
  head.arg = arg;
  head.next = next;
  return initial >> 5;
}

/** Decode bytes that `scanCbor` accepted. Maps come back as Map, byte strings as Uint8Array (views into `bytes`). */
export function decodeScanned(bytes: Uint8Array): unknown {
  return decodeFlatMap(bytes) ?? decoder.decode(bytes);
}

/** Returned by `scalarAt` for an item that is not a scalar it reads. */
const NOT_FLAT = Symbol('not flat');
let scalarEnd = 0;

/**
 * A map whose keys and values are all integers, byte strings, ASCII texts or simple values (a
 * holder proof, a heartbeat), read from its heads: what the general decoder gives, without its
 * set-up, on every decision. null for any other item (nesting, other texts): the decoder reads it.
 */
function decodeFlatMap(bytes: Uint8Array): Map<unknown, unknown> | null {
  if (bytes.length === 0 || readHead(bytes, 0) !== 5) return null;
  const count = headArg();
  let at = headEnd();
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < count; i++) {
    const key = scalarAt(bytes, at);
    if (key === NOT_FLAT) return null;
    const value = scalarAt(bytes, scalarEnd);
    if (value === NOT_FLAT) return null;
    at = scalarEnd;
    map.set(key, value);
  }
  return map;
}

/** The scalar at `at` (its end left in `scalarEnd`), or NOT_FLAT. */
function scalarAt(bytes: Uint8Array, at: number): unknown {
  const major = readHead(bytes, at);
  const arg = headArg();
  const start = headEnd();
  scalarEnd = start;
  switch (major) {
    case 0:
      return arg;
    case 1:
      return -1 - arg;
    case 2:
      scalarEnd = start + arg;
      return bytes.subarray(start, scalarEnd);
    case 3: {
      const text = asciiAt(bytes, start, arg);
      if (text === null) return NOT_FLAT;
      scalarEnd = start + arg;
      return text;
    }
    case 7:
      return arg === 20 ? false : arg === 21 ? true : null; // the scan lets only these three through
    default:
      return NOT_FLAT;
  }
}

/**
 * Short texts read before (a lock id, a message type), so the same text is the same string each
 * time, built once, not a character at a time on every decision. Bounded: the first KNOWN_TEXTS
 * texts stay; any other is built each time it is read.
 */
const knownTexts: string[] = [];
const KNOWN_TEXTS = 32;
const KNOWN_TEXT_MAX = 64;

/** The text of the `n` bytes at `at` when all are ASCII, else null. */
export function asciiAt(bytes: Uint8Array, at: number, n: number): string | null {
  for (let i = at; i < at + n; i++) if (bytes[i]! >= 0x80) return null;
  for (const known of knownTexts) if (known.length === n && sameAscii(known, bytes, at)) return known;
  let text = '';
  for (let i = at; i < at + n; i++) text += String.fromCharCode(bytes[i]!);
  if (knownTexts.length < KNOWN_TEXTS && n <= KNOWN_TEXT_MAX) knownTexts.push(text);
  return text;
}

/** Does `text` (ASCII) equal the bytes at `at`? */
export function sameAscii(text: string, bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[at + i]) return false;
  return true;
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
