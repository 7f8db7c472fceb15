// Hex encoding, defined once: ids and keys in events, files and logs are lowercase hex.
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

/** Bytes from hex text (surrounding whitespace ignored); callers validate the text first where it is input. */
export const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.trim(), 'hex'));
