// A set of fixed-width ids (16-byte grant ids, 32-byte keys) for up to millions of revocations,
// kept as 8-byte fingerprints: open addressing with linear probing in one Uint32Array sized at load
// 0.8 (never above 0.9), memory fixed at build time (1,000,000 ids: 1.25M slots = 9.5 MiB).
// A fingerprint mixes every byte of the id; two ids share one with probability 2^-64, and a false
// match only refuses a credential, never admits one (docs/SECURITY.md gives the odds at 1M entries).

/** Slots per entry: the table holds `capacity / LOAD` slots. */
export const ID_SET_LOAD = 0.8;
const TWO_32 = 4294967296;

export class IdSet {
  private readonly slots: Uint32Array;
  private readonly slotCount: number;
  private count = 0;

  /** `width`: the id length in bytes (a multiple of 4); `capacity`: how many ids it will hold at most. */
  constructor(
    readonly width: number,
    capacity: number,
  ) {
    if (width <= 0 || width % 4 !== 0) throw new RangeError(`IdSet width ${width} is not a positive multiple of 4`);
    this.slotCount = Math.max(16, Math.ceil(capacity / ID_SET_LOAD));
    this.slots = new Uint32Array(this.slotCount * 2);
  }

  /** Build from ids packed back to back, `width` bytes each. */
  static fromPacked(packed: Uint8Array, width: number): IdSet {
    const n = Math.floor(packed.length / width);
    const set = new IdSet(width, n);
    for (let i = 0; i < n; i++) set.add(packed, i * width);
    return set;
  }

  /** Ids held (distinct fingerprints). */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Entries over slots: at most ID_SET_LOAD once full. */
  get load(): number {
    return this.count / this.slotCount;
  }

  /** Add the id at `bytes[offset..offset+width)`. Throws RangeError past the capacity it was built for. */
  add(bytes: Uint8Array, offset = 0): void {
    if (bytes.length - offset < this.width) throw new RangeError('IdSet.add: id shorter than the set width');
    const a = fingerprintHigh(bytes, offset, this.width);
    const b = fingerprintLow(bytes, offset, this.width, a);
    const s = this.slots;
    for (let slot = this.home(a); ; slot = slot + 1 === this.slotCount ? 0 : slot + 1) {
      const i = slot * 2;
      if (s[i] === a && s[i + 1] === b) return;
      if (s[i] === 0 && s[i + 1] === 0) {
        if (this.count + 1 > this.slotCount * 0.9) throw new RangeError('IdSet is full');
        s[i] = a;
        s[i + 1] = b;
        this.count++;
        return;
      }
    }
  }

  /** Is the id at `bytes[offset..offset+width)` in the set (or one sharing its fingerprint)? No allocation. */
  has(bytes: Uint8Array, offset = 0): boolean {
    if (bytes.length - offset < this.width || this.count === 0) return false;
    const a = fingerprintHigh(bytes, offset, this.width);
    const b = fingerprintLow(bytes, offset, this.width, a);
    const s = this.slots;
    for (let slot = this.home(a); ; slot = slot + 1 === this.slotCount ? 0 : slot + 1) {
      const i = slot * 2;
      const x = s[i]!;
      const y = s[i + 1]!;
      if (x === a && y === b) return true;
      if (x === 0 && y === 0) return false;
    }
  }

  /** The first slot to try: the high word scaled onto the table (no power-of-two size needed). */
  private home(a: number): number {
    return Math.floor((a * this.slotCount) / TWO_32);
  }
}

/** Little-endian 32-bit word at `at`. */
function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** First half of the fingerprint: a mix of every word of the id. */
function fingerprintHigh(bytes: Uint8Array, offset: number, width: number): number {
  let h = 0x9e3779b9 ^ width;
  for (let k = 0; k < width; k += 4) h = Math.imul(((h << 13) | (h >>> 19)) ^ word(bytes, offset + k), 0x5bd1e995);
  return fmix(h);
}

/** Second half: another mix of every word (seeded by the first), never 0 when the first is 0 (0/0 marks an empty slot). */
function fingerprintLow(bytes: Uint8Array, offset: number, width: number, high: number): number {
  let h = 0x7f4a7c15 ^ high;
  for (let k = 0; k < width; k += 4) h = Math.imul(((h << 15) | (h >>> 17)) ^ word(bytes, offset + k), 0xcc9e2d51) + 0xe6546b64;
  const low = fmix(h);
  return high === 0 && low === 0 ? 1 : low;
}
