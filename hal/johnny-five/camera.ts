// Camera trigger: an output line the camera records on while active, and the camera's own
// "recording" line read back as confirmation.
import type five from 'johnny-five';
import type { DigitalInputConfig, DigitalOutputConfig } from '../boards.js';
import type { CameraTrigger } from '../ports/camera-trigger.js';
import type { Clock } from '../ports/clock.js';
import { HalError, type Unsubscribe } from '../ports/errors.js';
import { DigitalInput, DigitalOutput } from './digital-input.js';

export class JohnnyFiveCamera implements CameraTrigger {
  private readonly trigger: DigitalOutput;
  readonly recording: DigitalInput;
  private closed = false;

  constructor(board: five.Board, trigger: DigitalOutputConfig, recording: DigitalInputConfig, clock: Clock) {
    this.trigger = new DigitalOutput(board, trigger.pin, trigger.activeLow);
    this.recording = new DigitalInput(board, recording, clock);
  }

  setRecording(on: boolean): void {
    if (this.closed) throw new HalError('E_CLOSED', 'camera trigger is closed');
    this.trigger.set(on);
  }

  isRecording(): boolean {
    return this.recording.value === true;
  }

  onRecording(listener: (recording: boolean) => void): Unsubscribe {
    return this.recording.onChange(listener);
  }

  close(): void {
    if (this.closed) return;
    this.trigger.set(false);
    this.closed = true;
    this.recording.close();
  }
}
