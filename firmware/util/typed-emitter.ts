// A minimal typed event emitter: one payload per event, listeners isolated from each other's faults.
// A listener that throws never stops the emit: its error goes to the fault sink (the lock's fault
// monitor, wired at boot), or, with no sink, is rethrown on a microtask so a test notices.
import type { Unsubscribe } from '../../hal/ports/errors.js';

/** Where a listener's exception goes, with the event it was handling. */
export type FaultSink = (error: unknown, event: string) => void;

export class TypedEmitter<M extends { [K in keyof M]: unknown }> {
  private readonly listeners = new Map<keyof M, Set<(payload: never) => void>>();
  private sink: FaultSink | null = null;

  on<K extends keyof M>(event: K, listener: (payload: M[K]) => void): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Listeners now attached to `event` (lifecycle tests hold this flat across rebuilds). */
  listenerCount(event?: keyof M): number {
    if (event !== undefined) return this.listeners.get(event)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Send listener faults to `sink` instead of rethrowing them; returns the handle that detaches it. */
  catchFaults(sink: FaultSink): Unsubscribe {
    this.sink = sink;
    return () => {
      if (this.sink === sink) this.sink = null;
    };
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: M[K]) => void)(payload);
      } catch (error) {
        // A faulty observer must never stop the lock from acting on its own events.
        const sink = this.sink;
        if (sink) sink(error, String(event));
        else
          queueMicrotask(() => {
            throw error;
          });
      }
    }
  }
}
