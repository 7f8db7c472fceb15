// A maximum incoming MQTT packet size that holds under MQTT 3.1.1 too (MQTT 5's maximumPacketSize
// is only advice to the broker, and MQTT.js checks it after buffering the whole packet). Watches the
// bytes as they arrive, reads each packet's fixed header (type byte, remaining length) and destroys
// the connection as soon as a header announces more than the limit: nothing of it is buffered or
// hashed. The link then reconnects with its usual backoff.
import type { Duplex } from 'node:stream';

export class PacketTooLarge extends Error {
  override readonly name = 'PacketTooLarge';
  readonly code = 'E_PACKET_TOO_LARGE';
  constructor(readonly bytes: number, readonly limit: number) {
    super(`incoming MQTT packet of ${bytes} bytes is over the ${limit}-byte limit`);
  }
}

/** Watch `stream`'s incoming bytes; on an oversize packet call `onRefused` and destroy the stream. */
export function limitIncomingPackets(stream: Duplex, maxBytes: number, onRefused: (error: PacketTooLarge) => void): void {
  // Where we are: reading a header (type byte, then up to 4 length bytes), or skipping a body.
  let header = 0; // header bytes read so far, 0 = at a packet's start
  let length = 0;
  let multiplier = 1;
  let skip = 0;
  stream.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (header++ === 0) continue; // the type byte
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (byte & 0x80 && header < 5) continue;
      const total = header + length;
      header = 0;
      skip = length;
      length = 0;
      multiplier = 1;
      if (total > maxBytes) {
        const error = new PacketTooLarge(total, maxBytes);
        onRefused(error);
        stream.destroy(error);
        return;
      }
    }
  });
}
