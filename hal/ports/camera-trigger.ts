// Port for the camera: a record command, and the camera's own "I am recording" feedback.
import type { Unsubscribe } from './errors.js';

export interface CameraTrigger {
  /**
   * Ask the camera to record (true) or to stop (false). Returns at once: the camera
   * confirms through `isRecording`/`onRecording`, some time later or never.
   * Errors: HalError E_CLOSED after `close()`; E_IO when the board refuses the write.
   */
  setRecording(on: boolean): void;
  /** What the camera reports now. Never throws. */
  isRecording(): boolean;
  /** Called on every change of the camera's recording feedback. */
  onRecording(listener: (recording: boolean) => void): Unsubscribe;
  close(): void;
}
