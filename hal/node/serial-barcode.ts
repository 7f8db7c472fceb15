// A barcode scanner on a serial line (most scanners have a serial or USB-CDC mode): one scan per
// line of text, ended by CR, LF or both. Lines longer than the port's bound, or with bytes that are
// not printable ASCII, are dropped and counted; they never reach the lock.
import type { BarcodeReader } from '../ports/barcode-reader.js';
import type { Unsubscribe } from '../ports/errors.js';
import type { SerialLink } from '../ports/serial-link.js';

export const BARCODE_MAX = 128;

export class SerialBarcodeReader implements BarcodeReader {
  private readonly listeners = new Set<(code: string) => void>();
  private line: number[] = [];
  private overlong = false;
  private readonly off: Unsubscribe;
  /** Lines dropped: too long, or not printable ASCII. */
  dropped = 0;

  constructor(private readonly link: SerialLink) {
    this.off = link.onData((chunk) => this.onData(chunk));
  }

  onScan(listener: (code: string) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.off();
    this.listeners.clear();
    void this.link.close();
  }

  private onData(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte === 0x0d || byte === 0x0a) {
        this.endLine();
        continue;
      }
      if (this.line.length < BARCODE_MAX) this.line.push(byte);
      else this.overlong = true;
    }
  }

  private endLine(): void {
    const bytes = this.line;
    const overlong = this.overlong;
    this.line = [];
    this.overlong = false;
    if (bytes.length === 0 && !overlong) return; // the LF of a CR LF, or a blank line
    if (overlong || bytes.some((b) => b < 0x20 || b > 0x7e)) {
      this.dropped++;
      return;
    }
    const code = String.fromCharCode(...bytes);
    for (const listener of this.listeners) listener(code);
  }
}
