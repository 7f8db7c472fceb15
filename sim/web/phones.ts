// Phones driven from outside the process, as a real phone meets the reader: a tap gets the lock's
// fresh challenge; the client signs its proof with its own key and presents chain plus proof; the
// answer is the lock's decision, read from its access event.
import { randomBytes } from 'node:crypto';
import type { App } from '../../firmware/app.js';
import type { AccessEvent } from '../../firmware/local-access.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimControl } from '../control/control.js';
import { ApiError } from './http.js';

interface Session {
  answer(bytes: Uint8Array | null): void;
  expiry: TimerHandle;
}

export interface PhoneTimings {
  /** How long a tap waits for the lock's challenge. */
  challengeMs: number;
  /** How long a session stays open for its presentation (the lock's challenges live 30 s). */
  sessionMs: number;
  /** How long a presentation waits for the decision (a supervised visit waits for the camera). */
  decisionMs: number;
}

const DEFAULT_TIMINGS: PhoneTimings = { challengeMs: 5_000, sessionMs: 30_000, decisionMs: 20_000 };

export class RemotePhones {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly control: SimControl,
    private readonly lock: () => App,
    private readonly clock: Clock,
    private readonly timings: PhoneTimings = DEFAULT_TIMINGS,
  ) {}

  /** Bring a phone to the reader; resolves with its session and the lock's challenge. */
  tap(): Promise<{ session: string; challenge: string }> {
    if (!this.lock().local) return Promise.reject(new ApiError('not-paired', 'the lock is not paired: it sends no challenge'));
    return new Promise((resolve, reject) => {
      const id = randomBytes(16).toString('hex');
      const timeout = this.clock.after(this.timings.challengeMs, () => reject(new ApiError('no-challenge', 'the lock sent no challenge')));
      this.control.tapPhone({
        respond: (challenge) => {
          timeout.cancel();
          return new Promise<Uint8Array | null>((answer) => {
            const expiry = this.clock.after(this.timings.sessionMs, () => this.end(id, null));
            this.sessions.set(id, { answer, expiry });
            resolve({ session: id, challenge: Buffer.from(challenge).toString('hex') });
          });
        },
      });
    });
  }

  /** Present chain plus proof for a session; resolves with the lock's decision. */
  present(id: string, presentation: Uint8Array): Promise<AccessEvent> {
    const local = this.lock().local;
    if (!this.sessions.has(id)) return Promise.reject(new ApiError('unknown-session', 'no open session with that id: tap again'));
    if (!local) return Promise.reject(new ApiError('not-paired', 'the lock is not paired'));
    return new Promise((resolve, reject) => {
      // The first reader decision after this presentation is its answer (one phone at the reader at a time).
      const off = local.events.on('access', (event) => {
        if (event.via !== 'reader') return;
        off();
        timeout.cancel();
        resolve(event);
      });
      const timeout = this.clock.after(this.timings.decisionMs, () => {
        off();
        reject(new ApiError('no-decision', 'the lock gave no decision in time'));
      });
      this.end(id, presentation);
    });
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.end(id, null);
  }

  private end(id: string, bytes: Uint8Array | null): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.expiry.cancel();
    session.answer(bytes);
  }
}
