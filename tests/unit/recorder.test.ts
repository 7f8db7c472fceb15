// The recorder's bookkeeping with a camera stand-in and a manual clock: overlapping visits share one
// recording, the post-roll runs from the last release, a confirmation deadline lets go of the
// trigger, and a drop of the recording line while held is reported as lost and then restored.
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../firmware/camera/recorder.js';
import type { CameraTrigger } from '../../hal/ports/camera-trigger.js';
import { ManualClock } from '../helpers/manual-clock.js';

class Camera implements CameraTrigger {
  triggered = false;
  recording = false;
  readonly writes: boolean[] = [];
  private readonly listeners = new Set<(r: boolean) => void>();
  setRecording(on: boolean) {
    this.triggered = on;
    this.writes.push(on);
  }
  isRecording() {
    return this.recording;
  }
  onRecording(l: (r: boolean) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  line(r: boolean) {
    this.recording = r;
    for (const l of this.listeners) l(r);
  }
  close() {}
}

function rig() {
  const clock = new ManualClock(1_000_000);
  const camera = new Camera();
  const recorder = new Recorder(camera, clock, { confirmMs: 2_000, postRollMs: 10_000 });
  const events: string[] = [];
  recorder.events.on('recording', (e) => events.push(`recording ${e.active}`));
  recorder.events.on('health', (e) => events.push(`health ${e.alive}`));
  recorder.events.on('no-confirmation', () => events.push('no-confirmation'));
  return { clock, camera, recorder, events };
}

describe('recorder', () => {
  it('two overlapping visits share one recording; it stops a post-roll after the last lets go', () => {
    const { clock, camera, recorder, events } = rig();
    const confirmed: (number | null)[] = [];
    recorder.acquire('a', (at) => confirmed.push(at));
    clock.advance(300);
    camera.line(true);
    recorder.acquire('b', (at) => confirmed.push(at)); // already recording: confirmed at once
    expect(confirmed).toEqual([1_000_300, 1_000_300]);
    const stopped: number[] = [];
    recorder.release('a', (at) => stopped.push(at));
    clock.advance(5_000);
    recorder.release('b', (at) => stopped.push(at));
    clock.advance(9_999);
    expect(camera.triggered).toBe(true); // b's post-roll still runs
    clock.advance(1);
    expect(camera.triggered).toBe(false);
    expect(stopped).toEqual([1_010_300, 1_015_300]);
    expect(camera.writes).toEqual([true, false]);
    expect(events).toEqual(['recording true', 'recording false']);
  });

  it('no confirmation within the deadline: the visit is told, and the trigger is let go', () => {
    const { clock, camera, recorder, events } = rig();
    const confirmed: (number | null)[] = [];
    recorder.acquire('a', (at) => confirmed.push(at));
    clock.advance(2_000);
    expect(confirmed).toEqual([null]);
    expect(camera.triggered).toBe(false);
    expect(recorder.busy).toBe(false);
    expect(events).toEqual(['no-confirmation']);
  });

  it('the line drops while held: lost, then restored when it comes back', () => {
    const { clock, camera, recorder, events } = rig();
    recorder.acquire('a', () => {});
    clock.advance(300);
    camera.line(true);
    camera.line(false);
    expect(recorder.recording).toBe(false);
    camera.line(true);
    expect(events).toEqual(['recording true', 'health false', 'health true']);
  });

  it('feedback after the trigger is let go is not followed', () => {
    const { clock, camera, recorder, events } = rig();
    recorder.acquire('a', () => {});
    clock.advance(300);
    camera.line(true);
    recorder.release('a');
    clock.advance(10_000);
    camera.line(false); // the camera stopping, as asked
    expect(events).toEqual(['recording true', 'recording false']);
  });
});
