// A simulated NFC/BLE credential reader, at the port level (real modules talk over a UART, not
// GPIO pins). A phone brought near it is a tap; the lock's challenge reaches the phone after a
// radio delay, and the phone's answer comes back as a presentation.
import type { Clock } from '../../hal/ports/clock.js';
import type { CredentialReader, CredentialSession } from '../../hal/ports/credential-reader.js';
import { HalError, type Unsubscribe } from '../../hal/ports/errors.js';

/**
 * What a phone does with a challenge: returns presentation bytes (or replays old ones). A phone
 * driven from outside the process (the control API) answers later: a promise, null if it walks away.
 */
export interface SimPhone {
  respond(challenge: Uint8Array): Uint8Array | Promise<Uint8Array | null>;
}

export class SimCredentialReader implements CredentialReader {
  private nextId = 1;
  private readonly phones = new Map<number, SimPhone>();
  private readonly tapListeners = new Set<(s: CredentialSession) => void>();
  private readonly presentationListeners = new Set<(s: CredentialSession, bytes: Uint8Array) => void>();
  /** Challenges the lock sent, for tests that play an eavesdropper. */
  readonly challengesSeen: Uint8Array[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly radioMs = 40,
  ) {}

  /** Backend face: bring a phone to the reader. */
  tap(phone: SimPhone): void {
    const session = { id: this.nextId++ };
    this.phones.set(session.id, phone);
    for (const listener of this.tapListeners) listener(session);
  }

  onTap(listener: (session: CredentialSession) => void): Unsubscribe {
    this.tapListeners.add(listener);
    return () => this.tapListeners.delete(listener);
  }

  sendChallenge(session: CredentialSession, challenge: Uint8Array): void {
    const phone = this.phones.get(session.id);
    if (!phone) throw new HalError('E_TIMEOUT', 'the phone has left the reader');
    this.phones.delete(session.id);
    this.challengesSeen.push(Uint8Array.from(challenge));
    this.clock.after(this.radioMs, () => {
      const answer = phone.respond(Uint8Array.from(challenge));
      if (answer instanceof Uint8Array) this.deliver(session, answer);
      else void answer.then((bytes) => bytes && this.deliver(session, bytes), () => {});
    });
  }

  private deliver(session: CredentialSession, bytes: Uint8Array): void {
    if (bytes.length > 8192) return; // the driver bound: oversize answers are dropped
    for (const listener of this.presentationListeners) listener(session, bytes);
  }

  onPresentation(listener: (session: CredentialSession, bytes: Uint8Array) => void): Unsubscribe {
    this.presentationListeners.add(listener);
    return () => this.presentationListeners.delete(listener);
  }

  close(): void {
    this.phones.clear();
    this.tapListeners.clear();
    this.presentationListeners.clear();
  }
}
