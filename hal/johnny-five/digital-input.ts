// The one place input policy lives: pull resistor, active-low inversion and debouncing, over a
// johnny-five Switch. Drivers above it see a clean boolean "active" and its changes.
import type { EventEmitter } from 'node:events';
import five from 'johnny-five';
import type { DigitalInputConfig } from '../boards.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { Unsubscribe } from '../ports/errors.js';

export class DigitalInput {
  private readonly sw: five.Switch;
  private stable: boolean | null = null;
  private settle: TimerHandle | null = null;
  private readonly listeners = new Set<(active: boolean) => void>();
  private readonly firstValue: Promise<void>;
  private resolveFirst!: () => void;
  private closed = false;

  constructor(
    board: five.Board,
    private readonly config: DigitalInputConfig,
    private readonly clock: Clock,
  ) {
    this.firstValue = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
    // Switch "NO" asks the board for a pull-up (Firmata convention); "NC" asks for nothing.
    const options = {
      pin: config.pin,
      board,
      type: config.pull === 'up' ? 'NO' : 'NC',
      invert: config.activeLow,
    };
    this.sw = new five.Switch(options as unknown as five.SwitchOption);
    if (config.pull === 'down') board.io.digitalWrite(this.sw.pin as unknown as number, 0);
    const onRaw = () => this.onRaw();
    this.sw.on('open', onRaw);
    this.sw.on('close', onRaw);
  }

  /** Debounced value: true when the contact is active. Null until the first reading. */
  get value(): boolean | null {
    return this.stable;
  }

  /** The undebounced level right now, for matrix scanning. */
  get raw(): boolean {
    return this.sw.isClosed;
  }

  /** Resolves when the first reading has arrived. */
  ready(): Promise<void> {
    return this.firstValue;
  }

  onChange(listener: (active: boolean) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.settle?.cancel();
    this.listeners.clear();
    (this.sw as unknown as EventEmitter).removeAllListeners();
  }

  private onRaw(): void {
    if (this.closed) return;
    if (this.stable === null) {
      this.stable = this.sw.isClosed;
      this.resolveFirst();
      return;
    }
    this.settle?.cancel();
    this.settle = this.clock.after(this.config.debounceMs, () => {
      this.settle = null;
      const now = this.sw.isClosed;
      if (now === this.stable) return;
      this.stable = now;
      for (const listener of this.listeners) listener(now);
    });
  }
}

/** An output pin with polarity: `set(true)` makes the device active whatever the wiring. */
export class DigitalOutput {
  private readonly pin: five.Pin;
  private active = false;
  constructor(
    board: five.Board,
    pin: string | number,
    private readonly activeLow: boolean,
  ) {
    this.pin = new five.Pin({
      pin,
      board,
      type: 'digital',
      mode: five.Pin.OUTPUT,
    } as unknown as five.PinOption);
    this.set(false);
  }

  get isActive(): boolean {
    return this.active;
  }

  set(active: boolean): void {
    this.active = active;
    if (active !== this.activeLow) this.pin.high();
    else this.pin.low();
  }
}
