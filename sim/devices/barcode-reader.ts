// A simulated barcode scanner, at the port level (real ones are serial or USB devices sending a
// line per scan). A scan reaches the lock after the scanner's decode time; text longer than the
// port's bound is dropped by the "driver" and counted, as a real line reader would.
import type { BarcodeReader } from '../../hal/ports/barcode-reader.js';
import type { Clock } from '../../hal/ports/clock.js';
import { HalError, type Unsubscribe } from '../../hal/ports/errors.js';

export const BARCODE_MAX = 128;

export class SimBarcodeReader implements BarcodeReader {
  private readonly listeners = new Set<(code: string) => void>();
  private closed = false;
  /** Scans dropped for length. */
  dropped = 0;
  /** Scans delivered to the lock. */
  delivered = 0;

  constructor(
    private readonly clock: Clock,
    private readonly decodeMs = 30,
  ) {}

  /** Backend face: scan a parcel's label. */
  scan(text: string): void {
    if (this.closed) throw new HalError('E_CLOSED', 'barcode reader is closed');
    this.clock.after(this.decodeMs, () => {
      if (this.closed) return;
      if (text.length === 0 || text.length > BARCODE_MAX) {
        this.dropped++;
        return;
      }
      this.delivered++;
      for (const listener of this.listeners) listener(text);
    });
  }

  onScan(listener: (code: string) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }
}
