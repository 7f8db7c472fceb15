// A row/column matrix keypad: the firmware drives rows (one LOW at a time when scanning, all LOW
// when idle); a pressed key connects its row to its column, pulling the column LOW.
import type { SimIO } from '../io/sim-io.js';

export class KeypadPhysics {
  private readonly pressed = new Set<string>();
  private readonly where = new Map<string, { row: number; col: number }>();
  private readonly scanWatchers = new Set<() => void>();

  constructor(
    private readonly io: SimIO,
    private readonly rows: readonly number[],
    private readonly cols: readonly number[],
    layout: readonly string[],
  ) {
    layout.forEach((line, row) => {
      [...line].forEach((key, col) => {
        this.where.set(key, { row, col });
      });
    });
    for (const pin of rows) io.onOutput(pin, () => this.apply());
    this.apply();
  }

  get keys(): string[] {
    return [...this.where.keys()];
  }

  press(key: string): void {
    if (!this.where.has(key)) throw new RangeError(`no key "${key}" on this keypad`);
    this.pressed.add(key);
    this.apply();
  }

  release(key: string): void {
    this.pressed.delete(key);
    this.apply();
  }

  /**
   * Resolves once the firmware has scanned `key`'s row: driven it alone, then moved on (so it read
   * the columns). A person's key press lasts at least that long, however slow the scanner runs.
   */
  scanned(key: string): Promise<void> {
    const at = this.where.get(key);
    if (!at) return Promise.reject(new RangeError(`no key "${key}" on this keypad`));
    const row = this.rows[at.row]!;
    return new Promise((resolve) => {
      let armed = false;
      const watch = () => {
        const alone = this.io.readOutput(row) === 0 && this.rows.every((r) => r === row || this.io.readOutput(r) !== 0);
        if (alone) armed = true;
        else if (armed) {
          this.scanWatchers.delete(watch);
          resolve();
        }
      };
      this.scanWatchers.add(watch);
    });
  }

  releaseAll(): void {
    this.pressed.clear();
    this.apply();
  }

  private apply(): void {
    const low = new Set<number>();
    for (const key of this.pressed) {
      const at = this.where.get(key)!;
      // An undriven row (mode not yet set) floats: it pulls nothing.
      const rowPin = this.rows[at.row]!;
      if (this.io.modeOf(rowPin) !== undefined && this.io.readOutput(rowPin) === 0) low.add(at.col);
    }
    this.cols.forEach((pin, col) => {
      this.io.setInput(pin, low.has(col) ? 0 : 1);
    });
    for (const watch of [...this.scanWatchers]) watch();
  }
}
