// Two ends of an in-memory serial line (what one writes, the other reads, a turn later): the
// installer's cable for in-process pairing tests. The real line (socat pty pair) is in pairing-pty.
import type { SerialLink } from '../../hal/ports/serial-link.js';

export function serialPair(): [SerialLink, SerialLink] {
  type End = SerialLink & { data: Set<(c: Uint8Array) => void>; peer?: End };
  const make = (): End => {
    const end: End = {
      data: new Set(),
      async write(bytes: Uint8Array) {
        const copy = Uint8Array.from(bytes);
        setImmediate(() => end.peer?.data.forEach((l) => l(copy)));
      },
      onData(listener) {
        end.data.add(listener);
        return () => end.data.delete(listener);
      },
      onClose: () => () => {},
      close: async () => {},
    };
    return end;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
