// Code entry on the keypad: digits build a code, `#` submits, `*` clears, a pause longer than the
// inter-key timeout discards a half-typed code. The code lives only in this buffer until submitted.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { Keypad, KeypadKey } from '../../hal/ports/keypad.js';

export interface EntryOptions {
  interKeyTimeoutMs: number;
  maxLength: number;
}

export const DEFAULT_ENTRY: EntryOptions = { interKeyTimeoutMs: 5000, maxLength: 12 };

export type EntryEvent = { type: 'key' } | { type: 'cleared'; why: 'star' | 'timeout' } | { type: 'submit'; code: string; overflow: boolean };

export class CodeEntry {
  private buffer = '';
  private overflow = false;
  private timer: TimerHandle | null = null;
  private readonly off: Unsubscribe;

  constructor(
    keypad: Keypad,
    private readonly clock: Clock,
    private readonly onEvent: (event: EntryEvent) => void,
    private readonly options: EntryOptions = DEFAULT_ENTRY,
  ) {
    this.off = keypad.onKey((key) => this.key(key));
  }

  /** Stop listening to the keypad and forget a half-typed code. */
  close(): void {
    this.off();
    this.timer?.cancel();
    this.timer = null;
    this.clear();
  }

  private key(key: KeypadKey): void {
    this.timer?.cancel();
    this.timer = null;
    if (key === '*') {
      this.clear();
      this.onEvent({ type: 'cleared', why: 'star' });
      return;
    }
    if (key === '#') {
      const code = this.buffer;
      const overflow = this.overflow;
      this.clear();
      if (code.length > 0 || overflow) this.onEvent({ type: 'submit', code, overflow });
      return;
    }
    if (!/^[0-9]$/.test(key)) return; // A-D keys carry no digits
    if (this.buffer.length < this.options.maxLength) this.buffer += key;
    else this.overflow = true;
    this.onEvent({ type: 'key' });
    this.timer = this.clock.after(this.options.interKeyTimeoutMs, () => {
      this.timer = null;
      this.clear();
      this.onEvent({ type: 'cleared', why: 'timeout' });
    });
  }

  private clear(): void {
    this.buffer = '';
    this.overflow = false;
  }
}
