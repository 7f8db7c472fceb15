// Port for a barcode scanner (parcel-box mode): one event per complete scan.
import type { Unsubscribe } from './errors.js';

export interface BarcodeReader {
  /** Called with the decoded text of each scan; length is bounded by the driver (max 128 chars). */
  onScan(listener: (code: string) => void): Unsubscribe;
  close(): void;
}
