// Recording for obligations: the camera is asked to record on behalf of one or more visits, and
// the bolt may move for a visit only once the camera itself says it is recording. Recording stops
// a post-roll after the last visit lets go. While anyone holds it, the camera's recording line is
// its heartbeat: a drop is reported as lost (a jammed or frozen camera), and its return as restored.
import type { CameraTrigger } from '../../hal/ports/camera-trigger.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface RecorderOptions {
  /** How long the camera has to confirm recording before the visit is refused. */
  confirmMs: number;
  /** How long recording continues after the last holder lets go. */
  postRollMs: number;
}

export const DEFAULT_RECORDER: RecorderOptions = { confirmMs: 5_000, postRollMs: 15_000 };

export interface RecorderEvents {
  /** The camera confirmed recording (true) or, once nobody holds it, stopped (false). */
  recording: { active: boolean; at: number };
  /** The recording line dropped while a visit held the camera (false), or came back (true). */
  health: { alive: boolean; at: number };
  /** The camera did not confirm within `confirmMs` of the trigger. */
  'no-confirmation': { at: number; waitedMs: number };
}

interface Waiter {
  holder: string;
  done: (confirmedAt: number | null) => void;
  timer: TimerHandle;
}

export class Recorder {
  readonly events = new TypedEmitter<RecorderEvents>();
  private readonly holders = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private readonly stopping = new Map<string, { timer: TimerHandle; done: (stoppedAt: number) => void }>();
  private triggered = false;
  private confirmed = false;
  /** The line dropped during this recording run and has not come back. */
  private lost = false;
  private readonly unsubscribe: Unsubscribe;

  constructor(
    private readonly camera: CameraTrigger,
    private readonly clock: Clock,
    private readonly options: RecorderOptions = DEFAULT_RECORDER,
  ) {
    this.unsubscribe = camera.onRecording((recording) => this.onLine(recording));
  }

  /** Whether the camera is confirmed recording for someone now. */
  get recording(): boolean {
    return this.confirmed;
  }

  /** Whether any visit holds (or is about to release) the camera. */
  get busy(): boolean {
    return this.holders.size > 0 || this.stopping.size > 0;
  }

  /**
   * Hold the camera for `holder`. `done(at)` is called once: with the time the camera confirmed
   * recording (at once if it already is), or with null when it did not within `confirmMs`, in
   * which case the holder is already let go.
   */
  acquire(holder: string, done: (confirmedAt: number | null) => void): void {
    this.holders.add(holder);
    if (this.confirmed && this.camera.isRecording()) {
      done(this.clock.now());
      return;
    }
    this.trigger(true);
    const waiter: Waiter = {
      holder,
      done,
      timer: this.clock.after(this.options.confirmMs, () => {
        this.waiters.delete(waiter);
        this.holders.delete(holder);
        this.events.emit('no-confirmation', { at: this.clock.now(), waitedMs: this.options.confirmMs });
        if (this.holders.size === 0 && this.stopping.size === 0) this.trigger(false);
        done(null);
      }),
    };
    this.waiters.add(waiter);
  }

  /** Let go after the post-roll; `done(at)` gets the time recording ended for this holder. */
  release(holder: string, done: (stoppedAt: number) => void = () => {}): void {
    if (!this.holders.delete(holder)) return;
    for (const w of this.waiters) {
      if (w.holder !== holder) continue;
      w.timer.cancel();
      this.waiters.delete(w);
    }
    const timer = this.clock.after(this.options.postRollMs, () => {
      this.stopping.delete(holder);
      const at = this.clock.now();
      if (this.holders.size === 0 && this.stopping.size === 0) {
        this.trigger(false);
        if (this.confirmed || this.lost) this.events.emit('recording', { active: false, at });
        this.confirmed = false;
        this.lost = false;
      }
      done(at);
    });
    this.stopping.set(holder, { timer, done });
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiters) w.timer.cancel();
    for (const s of this.stopping.values()) s.timer.cancel();
    this.waiters.clear();
    this.stopping.clear();
    this.holders.clear();
  }

  private trigger(on: boolean): void {
    if (this.triggered === on) return;
    this.triggered = on;
    this.camera.setRecording(on);
  }

  private onLine(recording: boolean): void {
    const at = this.clock.now();
    if (!this.triggered) return; // feedback after we stopped asking: nothing to follow
    if (recording && !this.confirmed) {
      this.confirmed = true;
      if (this.lost) {
        this.lost = false;
        this.events.emit('health', { alive: true, at });
      } else this.events.emit('recording', { active: true, at });
      const waiting = [...this.waiters];
      this.waiters.clear();
      for (const w of waiting) {
        w.timer.cancel();
        w.done(at);
      }
    } else if (!recording && this.confirmed) {
      this.confirmed = false;
      this.lost = true;
      this.events.emit('health', { alive: false, at });
    }
  }
}
