// A two-state contact on an input pin (tamper switch, pair button, limit switch): the world says
// whether it is active; the wiring's polarity decides the level the pin sees.
import type { SimIO } from '../io/sim-io.js';

export class Contact {
  private active = false;
  constructor(
    private readonly io: SimIO,
    readonly pin: number,
    private readonly activeLow: boolean,
  ) {
    this.apply();
  }

  set(active: boolean): void {
    this.active = active;
    this.apply();
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Present a raw level regardless of state: bounce and noise. */
  glitch(active: boolean): void {
    this.io.setInput(this.pin, active !== this.activeLow ? 1 : 0);
  }

  private apply(): void {
    this.glitch(this.active);
  }
}
