// A set of 16-byte ids for up to millions of revocations: open addressing with linear probing in
// one Uint32Array (16 bytes a slot, load <= 0.5), O(1) look-up, memory fixed at build time
// (1,000,000 ids: 2^21 slots = 32 MiB). Keys are stored by their first 16 bytes; for Ed25519 keys
// a false match would take 2^128 work, and would only refuse, never admit.

export class IdSet {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private hasZero = false;
  private count = 0;

  constructor(capacity: number, private readonly seed = 0x9e3779b9) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Uint32Array(size * 4);
    this.mask = size - 1;
  }

  /** Build from ids packed back to back, `width` bytes each (16 or 32; only the first 16 count). */
  static fromPacked(packed: Uint8Array, width: number, seed?: number): IdSet {
    const n = packed.length / width;
    const set = new IdSet(n, seed);
    for (let i = 0; i < n; i++) set.add(packed, i * width);
    return set;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  add(bytes: Uint8Array, offset = 0): void {
    const [a, b, c, d] = words(bytes, offset);
    if ((a | b | c | d) === 0) {
      if (!this.hasZero) this.count++;
      this.hasZero = true;
      return;
    }
    for (let slot = this.hash(a, b); ; slot = (slot + 1) & this.mask) {
      const i = slot * 4;
      const s = this.slots;
      if ((s[i]! | s[i + 1]! | s[i + 2]! | s[i + 3]!) === 0) {
        s[i] = a;
        s[i + 1] = b;
        s[i + 2] = c;
        s[i + 3] = d;
        this.count++;
        return;
      }
      if (s[i] === a && s[i + 1] === b && s[i + 2] === c && s[i + 3] === d) return;
    }
  }

  has(bytes: Uint8Array, offset = 0): boolean {
    if (bytes.length - offset < 16) return false;
    const [a, b, c, d] = words(bytes, offset);
    if ((a | b | c | d) === 0) return this.hasZero;
    for (let slot = this.hash(a, b); ; slot = (slot + 1) & this.mask) {
      const i = slot * 4;
      const s = this.slots;
      if (s[i] === a && s[i + 1] === b && s[i + 2] === c && s[i + 3] === d) return true;
      if ((s[i]! | s[i + 1]! | s[i + 2]! | s[i + 3]!) === 0) return false;
    }
  }

  private hash(a: number, b: number): number {
    let h = Math.imul(a ^ this.seed, 0x85ebca6b) ^ b;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }
}

function words(bytes: Uint8Array, offset: number): [number, number, number, number] {
  const w = (k: number) => (bytes[offset + k]! | (bytes[offset + k + 1]! << 8) | (bytes[offset + k + 2]! << 16) | (bytes[offset + k + 3]! << 24)) >>> 0;
  return [w(0), w(4), w(8), w(12)];
}
