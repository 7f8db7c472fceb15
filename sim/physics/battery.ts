// The battery as seen through a voltage divider on an analog pin.
import type { SimIO } from '../io/sim-io.js';

export class BatteryPhysics {
  private level = 100;
  constructor(
    private readonly io: SimIO,
    private readonly pin: number,
    private readonly emptyRaw: number,
    private readonly fullRaw: number,
  ) {
    this.apply();
  }

  get percent(): number {
    return this.level;
  }

  setPercent(percent: number): void {
    this.level = Math.max(0, Math.min(100, percent));
    this.apply();
  }

  private apply(): void {
    this.io.setInput(
      this.pin,
      Math.round(this.emptyRaw + (this.level / 100) * (this.fullRaw - this.emptyRaw)),
    );
  }
}
