// The camera: while its trigger input is active it records, raising its "recording" line after a
// start-up delay; it can be made to fail (never records) or to die mid-recording.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimIO } from '../io/sim-io.js';
import type { Contact } from './contact.js';

export interface CameraOptions {
  startDelayMs: number;
  stopDelayMs: number;
}

export class CameraPhysics {
  private failing = false;
  private pending: TimerHandle | null = null;
  /** Number of times the trigger went active. */
  triggers = 0;
  readonly options: CameraOptions;

  constructor(
    private readonly io: SimIO,
    private readonly clock: Clock,
    private readonly triggerPin: number,
    private readonly triggerActiveLow: boolean,
    private readonly recording: Contact,
    options: Partial<CameraOptions> = {},
  ) {
    this.options = { startDelayMs: 300, stopDelayMs: 50, ...options };
    let last = false;
    io.onOutput(triggerPin, () => {
      const now = this.triggered;
      if (now !== last) {
        last = now;
        this.onTrigger(now);
      }
    });
  }

  get triggered(): boolean {
    if (this.io.modeOf(this.triggerPin) === undefined) return false;
    return (this.io.readOutput(this.triggerPin) === 1) !== this.triggerActiveLow;
  }

  get isRecording(): boolean {
    return this.recording.isActive;
  }

  /** From now on the camera never starts recording (dead, unplugged, Wi-Fi jammed). */
  fail(): void {
    this.failing = true;
    this.pending?.cancel();
    this.pending = null;
    this.recording.set(false);
  }

  /** Recording stops now and does not restart until `repair()`. */
  die(): void {
    this.fail();
  }

  repair(): void {
    this.failing = false;
    if (this.triggered) this.onTrigger(true);
  }

  private onTrigger(on: boolean): void {
    this.pending?.cancel();
    this.pending = null;
    if (on) this.triggers++;
    if (on && this.failing) return;
    const delay = on ? this.options.startDelayMs : this.options.stopDelayMs;
    this.pending = this.clock.after(delay, () => {
      this.pending = null;
      this.recording.set(on);
    });
  }
}
