// The installer's self-test: cycles the bolt both ways and times each stroke, reads every sensor,
// starts the camera and waits for its recording line, and (if asked) waits for a key on the
// keypad. Returns a report; `ok` is false when a part that is fitted did not work. Also reads the
// request body (`parseSelfTestRequest`): a bad field is a `bad-request` reply, never ignored.
import type { BoardPorts } from '../../hal/ports/index.js';
import type { Clock } from '../../hal/ports/clock.js';
import type { Deadbolt } from '../lock/deadbolt.js';
import type { OperationOutcome } from '../lock/types.js';
import { PairingError } from './server.js';

/** The longest keypad wait a self-test may ask for (docs/PROTOCOL.md §14). */
export const KEYPAD_WAIT_MAX_MS = 60_000;

/**
 * The self-test request's body: `{? "keypadWaitMs": 0..60000}`. Throws PairingError('bad-request')
 * naming the field for anything else, so a wrong wait is refused instead of silently skipped.
 */
export function parseSelfTestRequest(body: Map<string, unknown>): { keypadWaitMs: number } {
  for (const key of body.keys()) if (key !== 'keypadWaitMs') throw new PairingError('bad-request', `${String(key)}: unknown field`);
  const wait = body.has('keypadWaitMs') ? body.get('keypadWaitMs') : 0;
  if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > KEYPAD_WAIT_MAX_MS) {
    throw new PairingError('bad-request', `keypadWaitMs: must be an integer from 0 to ${KEYPAD_WAIT_MAX_MS} (milliseconds)`);
  }
  return { keypadWaitMs: wait };
}

export interface SelfTestOptions {
  /** Wait this long for a key on the keypad (the installer presses one); 0 skips it. */
  keypadWaitMs: number;
  /** How long the camera has to confirm recording. */
  cameraConfirmMs: number;
  /** Longest a stroke may take before the test gives up on it (the deadbolt's own deadline is shorter). */
  strokeTimeoutMs: number;
  /** The camera is in use for a visit: leave it alone. */
  cameraBusy: boolean;
}

export interface Stroke {
  op: 'lock' | 'unlock';
  outcome: OperationOutcome | 'refused' | 'timeout';
  ms: number | null;
  detail?: string;
}

export interface SelfTestReport {
  ok: boolean;
  bolt: { before: string; strokes: Stroke[]; after: string; skipped?: string };
  door: string;
  tamper: boolean | null;
  /** `percent` null on a fitted gauge: no reading yet (a gauge reports about a minute after boot). */
  battery: { fitted: boolean; percent: number | null };
  pairButton: boolean | null;
  camera: { fitted: boolean; confirmedMs: number | null; skipped?: string };
  /** `asked`: the request gave a keypad wait; `keyPressed` is null when not fitted or not asked. */
  keypad: { fitted: boolean; asked: boolean; keyPressed: boolean | null };
}

export async function runSelfTest(ports: BoardPorts, deadbolt: Deadbolt, clock: Clock, o: SelfTestOptions): Promise<SelfTestReport> {
  const waitFor = <T>(ms: number, arm: (done: (value: T) => void) => () => void, timeout: T) =>
    new Promise<T>((resolve) => {
      let settled = false;
      const finish = (value: T) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        off();
        resolve(value);
      };
      const timer = clock.after(ms, () => finish(timeout));
      const off = arm(finish);
    });

  const stroke = async (op: 'lock' | 'unlock'): Promise<Stroke> => {
    let off: () => void = () => {};
    const outcome = waitFor<Stroke>(o.strokeTimeoutMs, (done) => {
      off = deadbolt.events.on('operation', (e) => {
        if (e.op === op) done({ op, outcome: e.outcome, ms: e.ms });
      });
      return off;
    }, { op, outcome: 'timeout', ms: null });
    const result = op === 'lock' ? deadbolt.lock('self-test') : deadbolt.unlock('self-test');
    if (result !== 'started') {
      off();
      return { op, outcome: 'refused', ms: null, detail: result };
    }
    return outcome;
  };

  // A stroke under way (someone just came in) finishes first.
  if (deadbolt.current === 'unlocking' || deadbolt.current === 'locking') {
    await waitFor<boolean>(o.strokeTimeoutMs, (done) => deadbolt.events.on('operation', () => done(true)), false);
  }
  const before = deadbolt.current;
  const bolt: SelfTestReport['bolt'] = { before, strokes: [], after: before };
  if (deadbolt.doorState === 'open') bolt.skipped = 'the door is open: close it to test the bolt';
  else {
    for (const op of before === 'unlocked' ? (['lock', 'unlock'] as const) : (['unlock', 'lock'] as const)) {
      const s = await stroke(op);
      bolt.strokes.push(s);
      if (s.outcome !== 'done') break;
    }
    bolt.after = deadbolt.current;
  }

  const camera: SelfTestReport['camera'] = { fitted: ports.camera !== undefined, confirmedMs: null };
  if (ports.camera && o.cameraBusy) camera.skipped = 'the camera is recording a visit';
  else if (ports.camera) {
    const cam = ports.camera;
    const started = clock.now();
    cam.setRecording(true);
    const confirmed = cam.isRecording() || (await waitFor<boolean>(o.cameraConfirmMs, (done) => cam.onRecording((r) => r && done(true)), false));
    cam.setRecording(false);
    camera.confirmedMs = confirmed ? clock.now() - started : null;
  }

  const keypad: SelfTestReport['keypad'] = { fitted: ports.keypad !== undefined, asked: o.keypadWaitMs > 0, keyPressed: null };
  if (ports.keypad && o.keypadWaitMs > 0) {
    const pad = ports.keypad;
    keypad.keyPressed = await waitFor<boolean>(o.keypadWaitMs, (done) => pad.onKey(() => done(true)), false);
  }

  const ok =
    !bolt.skipped && bolt.strokes.length === 2 && bolt.strokes.every((s) => s.outcome === 'done') &&
    (!camera.fitted || camera.skipped !== undefined || camera.confirmedMs !== null) &&
    keypad.keyPressed !== false;
  return {
    ok,
    bolt,
    door: deadbolt.doorState,
    tamper: ports.tamper ? ports.tamper.isTampered() : null,
    battery: { fitted: ports.battery !== undefined, percent: ports.battery ? ports.battery.readLevel() : null },
    pairButton: ports.pairButton ? ports.pairButton.isPressed() : null,
    camera,
    keypad,
  };
}
