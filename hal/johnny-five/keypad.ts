// Matrix keypad scanner (johnny-five has none). Idle: all rows driven LOW, so any press pulls
// its column LOW and wakes the scanner. Scanning: one row LOW at a time, columns read after a
// settle time longer than the board's input poll. One key event per press; chords are dropped.
import type five from 'johnny-five';
import type { BoardDevices } from '../boards.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { Unsubscribe } from '../ports/errors.js';
import type { Keypad, KeypadKey } from '../ports/keypad.js';
import { DigitalInput, DigitalOutput } from './digital-input.js';

export interface KeypadWiring {
  rows: NonNullable<BoardDevices['keypadRows']>;
  columns: NonNullable<BoardDevices['keypadColumns']>;
  layout: readonly string[];
}

export class MatrixKeypad implements Keypad {
  private readonly rows: DigitalOutput[];
  private readonly cols: DigitalInput[];
  private readonly listeners = new Set<(key: KeypadKey) => void>();
  private held = new Set<string>();
  private scanning: TimerHandle | null = null;
  private closed = false;
  /** Scans that saw more than one key (ghosting risk): nothing is reported for them. */
  chordsDropped = 0;

  constructor(
    board: five.Board,
    private readonly wiring: KeypadWiring,
    private readonly clock: Clock,
  ) {
    this.rows = wiring.rows.pins.map((pin) => new DigitalOutput(board, pin, true));
    // Columns are pulled up and read LOW when a key joins them to a driven row.
    this.cols = wiring.columns.pins.map(
      (pin) =>
        new DigitalInput(board, { pin, activeLow: true, pull: wiring.columns.pull, debounceMs: 0 }, clock),
    );
    this.idle();
    for (const col of this.cols) col.onChange(() => this.wake());
  }

  onKey(listener: (key: KeypadKey) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.scanning?.cancel();
    for (const col of this.cols) col.close();
    this.listeners.clear();
  }

  /** All rows active (LOW): any key pulls its column. */
  private idle(): void {
    for (const row of this.rows) row.set(true);
  }

  private wake(): void {
    if (this.scanning || this.closed) return;
    this.scanRow(0, new Set());
  }

  private scanRow(row: number, found: Set<string>): void {
    this.rows.forEach((out, i) => {
      out.set(i === row);
    });
    this.scanning = this.clock.after(this.wiring.rows.settleMs, () => {
      this.cols.forEach((col, c) => {
        if (col.raw) found.add(this.wiring.layout[row]![c]!);
      });
      if (row + 1 < this.rows.length) {
        this.scanRow(row + 1, found);
        return;
      }
      this.finishScan(found);
    });
  }

  private finishScan(found: Set<string>): void {
    this.scanning = null;
    if (found.size > 1) this.chordsDropped++;
    else {
      for (const key of found) if (!this.held.has(key)) this.emit(key as KeypadKey);
    }
    this.held = found;
    this.idle();
    // Keep scanning while anything is held, to see releases and the next press.
    if (found.size > 0) {
      this.scanning = this.clock.after(this.wiring.rows.settleMs * 2, () => {
        this.scanning = null;
        this.scanRow(0, new Set());
      });
    }
  }

  private emit(key: KeypadKey): void {
    for (const listener of this.listeners) listener(key);
  }
}
