// Port for the phone-credential reader (NFC/BLE): a tap opens a session, the lock sends a
// challenge, the phone answers with a presentation. Bytes only; the access core judges them.
import type { Unsubscribe } from './errors.js';

export interface CredentialSession {
  /** Opaque id of this tap; stale ids are ignored by the reader. */
  readonly id: number;
}

export interface CredentialReader {
  /** Called when a credential comes into range. */
  onTap(listener: (session: CredentialSession) => void): Unsubscribe;
  /**
   * Send the lock's fresh challenge to the phone of this session.
   * Errors: HalError E_TIMEOUT when the session is gone, E_CLOSED after `close()`.
   */
  sendChallenge(session: CredentialSession, challenge: Uint8Array): void;
  /** Called with the phone's presentation bytes (size-bounded by the driver, 8 KiB). */
  onPresentation(listener: (session: CredentialSession, presentation: Uint8Array) => void): Unsubscribe;
  close(): void;
}
