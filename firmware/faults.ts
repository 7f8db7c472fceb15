// The lock's fault monitor: an exception in a listener (a full disk under an outbox append, a bug
// in an observer) is caught, counted by code, logged once per code, and raised as a `fault` alarm,
// while the lock goes on deciding. Boot points every service's emitter here.
import type { Logger } from './log.js';
import { type FaultSink, TypedEmitter } from './util/typed-emitter.js';

export interface Fault {
  /** Which part caught it: `deadbolt.door`, `battery`, `sync.message`... */
  source: string;
  /** The error's `code` (E_STORE, ENOSPC, ...), or `E_BUG` for an error without one. */
  code: string;
  /** How many faults with this code so far. */
  count: number;
}

export interface FaultEvents {
  fault: Fault;
}

/** The code of an infrastructure fault; `E_BUG` for an error that carries none (a programmer fault). */
export function faultCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 && code.length <= 32 ? code : 'E_BUG';
}

export class FaultMonitor {
  readonly events = new TypedEmitter<FaultEvents>();
  private readonly counts = new Map<string, number>();
  private reporting = false;
  /** Faults raised while a fault was being reported (the report itself failed): counted, not reported. */
  nested = 0;

  constructor(private readonly log: Logger) {
    // A listener of the monitor that fails (the outbox cannot take the fault event) is only counted.
    this.events.catchFaults(() => this.nested++);
  }

  /** Faults so far, all codes. */
  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  countOf(code: string): number {
    return this.counts.get(code) ?? 0;
  }

  report(source: string, error: unknown): void {
    if (this.reporting) {
      this.nested++;
      return;
    }
    this.reporting = true;
    try {
      const code = faultCode(error);
      const count = (this.counts.get(code) ?? 0) + 1;
      this.counts.set(code, count);
      // Once per code: a full disk would otherwise fill the log as fast as the events come.
      // The message names the fault; errors of ours never carry a PIN, key or code.
      if (count === 1) this.log.error({ event: 'fault', source, code, err: { message: (error as Error)?.message, code } }, `fault in ${source}: ${code} (the lock keeps running)`);
      this.events.emit('fault', { source, code, count });
    } finally {
      this.reporting = false;
    }
  }

  /** A sink for one emitter's listener faults. */
  sink(prefix: string): FaultSink {
    return (error, event) => this.report(`${prefix}.${event}`, error);
  }

  /** Wrap a callback handed to a port (johnny-five calls it): its exceptions become faults. */
  guard<A extends unknown[]>(source: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        this.report(source, error);
      }
    };
  }
}
