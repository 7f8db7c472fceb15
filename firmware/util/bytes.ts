// Byte-string equality for the decision path: challenges, keys, ids and cached grant bytes are
// compared many times per decision, and a call into Buffer.compare's native binding costs more
// than comparing 32 bytes here.

/**
 * True when `a` and `b` hold the same bytes. Every byte is read whatever the first difference
 * (the time depends on the length only), so it serves for challenges and keys alike. No allocation.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True when `bytes[at, at + expected.length)` holds `expected`: `sameBytes` on a part read in place (false if it runs past the end). */
export function sameBytesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  const n = expected.length;
  if (at < 0 || at + n > bytes.length) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= bytes[at + i]! ^ expected[i]!;
  return diff === 0;
}
