// A view of the board's ports whose subscriptions can all be dropped at once: the lock's services
// are rebuilt after a pairing or a factory reset while the board (and the ports) stay open.
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { BoardPorts } from '../../hal/ports/index.js';

export interface ScopedPorts {
  ports: BoardPorts;
  /** Drop every subscription made through `ports`. */
  release(): void;
}

export function scopePorts(ports: BoardPorts): ScopedPorts {
  const subscriptions: Unsubscribe[] = [];
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (typeof key === 'string' && /^on[A-Z]/.test(key)) {
          return (...args: unknown[]) => {
            const off = (value as (...a: unknown[]) => Unsubscribe).apply(target, args);
            subscriptions.push(off);
            return off;
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  const scoped = { ...ports } as BoardPorts;
  for (const [role, port] of Object.entries(ports)) {
    if (port && typeof port === 'object') (scoped as unknown as Record<string, unknown>)[role] = wrap(port as object);
  }
  return {
    ports: scoped,
    release() {
      for (const off of subscriptions.splice(0)) off();
    },
  };
}
