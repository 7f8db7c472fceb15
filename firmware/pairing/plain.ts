// Plain data to and from the shapes our CBOR encoder takes (maps with text keys), with no
// dependencies, so the composition root can use it without loading the CBOR library at boot.

/** Plain data as our CBOR: objects become maps with text keys (undefined fields left out), arrays and bytes stay. */
export function toCbor(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCbor);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Map) return value;
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) if (v !== undefined) m.set(k, toCbor(v));
  return m;
}

/** Our CBOR as plain data, for people and JSON: maps become objects, bytes become hex. */
export function fromCbor(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromCbor);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCbor(v)]));
  return value;
}
