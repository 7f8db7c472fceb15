// Status LED and buzzer: each signal is a short pattern of (led, buzzer, duration) steps,
// played on the injected clock; alarm and pairing patterns repeat until replaced.
import type five from 'johnny-five';
import type { DigitalOutputConfig } from '../boards.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { StatusIndicator, StatusSignal } from '../ports/status-indicator.js';
import { DigitalOutput } from './digital-input.js';

type Step = readonly [led: boolean, buzzer: boolean, ms: number];

const PATTERNS: Record<StatusSignal, { steps: readonly Step[]; repeat: boolean }> = {
  idle: { steps: [[false, false, 0]], repeat: false },
  key: {
    steps: [
      [true, true, 40],
      [false, false, 0],
    ],
    repeat: false,
  },
  busy: {
    steps: [
      [true, false, 250],
      [false, false, 250],
    ],
    repeat: true,
  },
  accepted: {
    steps: [
      [true, true, 150],
      [true, false, 1850],
      [false, false, 0],
    ],
    repeat: false,
  },
  refused: {
    steps: [
      [true, true, 120],
      [false, false, 120],
      [true, true, 120],
      [false, false, 120],
      [true, true, 120],
      [false, false, 0],
    ],
    repeat: false,
  },
  'locked-out': {
    steps: [
      [true, false, 100],
      [false, false, 100],
    ],
    repeat: true,
  },
  alarm: {
    steps: [
      [true, true, 300],
      [false, false, 300],
    ],
    repeat: true,
  },
  pairing: {
    steps: [
      [true, false, 500],
      [false, false, 500],
    ],
    repeat: true,
  },
};

export class JohnnyFiveStatus implements StatusIndicator {
  private readonly led: DigitalOutput | null;
  private readonly buzzer: DigitalOutput | null;
  private timer: TimerHandle | null = null;
  private shown: StatusSignal = 'idle';

  constructor(
    board: five.Board,
    led: DigitalOutputConfig | null,
    buzzer: DigitalOutputConfig | null,
    private readonly clock: Clock,
  ) {
    this.led = led ? new DigitalOutput(board, led.pin, led.activeLow) : null;
    this.buzzer = buzzer ? new DigitalOutput(board, buzzer.pin, buzzer.activeLow) : null;
  }

  get current(): StatusSignal {
    return this.shown;
  }

  show(signal: StatusSignal): void {
    this.timer?.cancel();
    this.shown = signal;
    this.play(PATTERNS[signal], 0);
  }

  close(): void {
    this.timer?.cancel();
    this.led?.set(false);
    this.buzzer?.set(false);
  }

  private play(pattern: (typeof PATTERNS)[StatusSignal], index: number): void {
    const step = pattern.steps[index];
    if (!step) {
      this.play(pattern, 0); // only repeating patterns run off their end
      return;
    }
    const [led, buzzer, ms] = step;
    this.led?.set(led);
    this.buzzer?.set(buzzer);
    if (ms === 0) {
      // A zero-length last step ends a one-shot pattern.
      this.timer = null;
      this.shown = 'idle';
      return;
    }
    this.timer = this.clock.after(ms, () => this.play(pattern, index + 1));
  }
}
