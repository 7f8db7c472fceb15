// Port for the installer's serial line: raw bytes in and out; framing lives above it.
import type { Unsubscribe } from './errors.js';

export interface SerialLink {
  /**
   * Queue bytes for sending. Errors: HalError E_CLOSED after close; E_IO when the device is gone.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Called with each chunk as it arrives; chunk boundaries carry no meaning. */
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  /** Called once if the line goes away (cable pulled, device removed). */
  onClose(listener: (error?: Error) => void): Unsubscribe;
  close(): Promise<void>;
}
