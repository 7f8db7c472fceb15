// Contract suites, one factory per port: the same expectations run against every implementation
// of the port: the johnny-five drivers on the simulated board (tests/contract/sim-board.test.ts),
// port-level drivers such as the serial barcode scanner (tests/unit/serial-barcode.test.ts), and
// a real board's drivers when one is attached (tests/contract/real-board.test.ts, `npm run test:board`).
import { expect, it } from 'vitest';
import type { BarcodeReader } from '../../hal/ports/barcode-reader.js';
import type { BatteryMonitor } from '../../hal/ports/battery-monitor.js';
import type { BoltActuator, BoltPosition } from '../../hal/ports/bolt-actuator.js';
import type { CameraTrigger } from '../../hal/ports/camera-trigger.js';
import type { DoorSensor, DoorState } from '../../hal/ports/door-sensor.js';
import { HalError } from '../../hal/ports/errors.js';
import type { Keypad, KeypadKey } from '../../hal/ports/keypad.js';
import type { PairButton } from '../../hal/ports/pair-button.js';
import type { StatusIndicator } from '../../hal/ports/status-indicator.js';
import type { TamperSwitch } from '../../hal/ports/tamper-switch.js';

/** What every rig offers: time passing (asynchronous where the part is), and the end of the test. */
export interface Rig {
  advance(ms: number): void | Promise<void>;
  release(): Promise<void> | void;
}

type Make<P, S> = () => Promise<{ port: P; rig: Rig & S }>;

async function using<P, S>(
  make: Make<P, S>,
  body: (port: P, rig: Rig & S) => Promise<void> | void,
): Promise<void> {
  const { port, rig } = await make();
  try {
    await body(port, rig);
  } finally {
    await rig.release();
  }
}

export interface BoltStimuli {
  travelTimeoutMs: number;
  jam(): void;
  turnByHand(to: 'locked' | 'unlocked'): void;
  /** Whether the motor (or servo) is physically being driven. */
  motorDriven(): boolean;
}

export function boltActuatorContract(make: Make<BoltActuator, BoltStimuli>): void {
  it('reports where the bolt is before anything moves it', () =>
    using(make, (bolt) => {
      expect(bolt.readPosition()).toBe('locked');
      expect(bolt.driving).toBe('stop');
    }));

  it('retracts to the unlocked switch within the travel timeout, reporting each change once', () =>
    using(make, async (bolt, rig) => {
      const seen: BoltPosition[] = [];
      bolt.onPosition((p) => seen.push(p));
      bolt.drive('retract');
      expect(bolt.driving).toBe('retract');
      await rig.advance(rig.travelTimeoutMs);
      expect(seen).toEqual(['between', 'unlocked']);
      bolt.drive('stop');
      expect(rig.motorDriven()).toBe(false);
    }));

  it('stops where it is told to stop', () =>
    using(make, async (bolt, rig) => {
      bolt.drive('retract');
      await rig.advance(200);
      bolt.drive('stop');
      await rig.advance(rig.travelTimeoutMs * 3);
      expect(bolt.readPosition()).toBe('between');
      expect(rig.motorDriven()).toBe(false);
    }));

  it('never reaches the end switch while jammed', () =>
    using(make, async (bolt, rig) => {
      bolt.drive('retract');
      await rig.advance(100);
      rig.jam();
      await rig.advance(rig.travelTimeoutMs * 2);
      expect(bolt.readPosition()).toBe('between');
      bolt.drive('stop');
    }));

  it('reports a thumb-turn by hand with no drive', () =>
    using(make, async (bolt, rig) => {
      const seen: BoltPosition[] = [];
      bolt.onPosition((p) => seen.push(p));
      rig.turnByHand('unlocked');
      await rig.advance(1000);
      expect(seen).toEqual(['between', 'unlocked']);
      expect(bolt.driving).toBe('stop');
    }));

  it('refuses commands after close, with the motor stopped', () =>
    using(make, async (bolt, rig) => {
      bolt.drive('retract');
      bolt.close();
      expect(rig.motorDriven()).toBe(false);
      expect(() => bolt.drive('extend')).toThrow(HalError);
      try {
        bolt.drive('extend');
      } catch (error) {
        expect((error as HalError).code).toBe('E_CLOSED');
      }
    }));
}

export interface DoorStimuli {
  unlockBolt(): void;
  open(): void;
  close(): void;
}

export function doorSensorContract(make: Make<DoorSensor, DoorStimuli>): void {
  it('reads the door shut at rest, then one event per opening and closing despite contact bounce', () =>
    using(make, async (door, rig) => {
      expect(door.read()).toBe('closed');
      rig.unlockBolt();
      const seen: DoorState[] = [];
      door.onChange((s) => seen.push(s));
      rig.open();
      await rig.advance(200);
      expect(door.read()).toBe('open');
      rig.close();
      await rig.advance(200);
      expect(seen).toEqual(['open', 'closed']);
    }));

  it('stops reporting after unsubscribe', () =>
    using(make, async (door, rig) => {
      rig.unlockBolt();
      const seen: DoorState[] = [];
      const off = door.onChange((s) => seen.push(s));
      off();
      rig.open();
      await rig.advance(200);
      expect(seen).toEqual([]);
    }));
}

export interface KeypadStimuli {
  type(keys: string): number;
  hold(key: string): void;
  releaseAll(): void;
}

export function keypadContract(make: Make<Keypad, KeypadStimuli>): void {
  it('reports each key typed, once, in order', () =>
    using(make, async (keypad, rig) => {
      const seen: KeypadKey[] = [];
      keypad.onKey((k) => seen.push(k));
      await rig.advance(rig.type('1597*0#') + 100);
      expect(seen.join('')).toBe('1597*0#');
    }));

  it('reports a held key once', () =>
    using(make, async (keypad, rig) => {
      const seen: KeypadKey[] = [];
      keypad.onKey((k) => seen.push(k));
      rig.hold('5');
      await rig.advance(3000);
      rig.releaseAll();
      await rig.advance(100);
      expect(seen).toEqual(['5']);
    }));

  it('drops a two-key chord rather than guess', () =>
    using(make, async (keypad, rig) => {
      const seen: KeypadKey[] = [];
      keypad.onKey((k) => seen.push(k));
      rig.hold('1');
      rig.hold('9');
      await rig.advance(500);
      rig.releaseAll();
      await rig.advance(100);
      expect(seen).toEqual([]);
    }));
}

export interface CameraStimuli {
  fail(): void;
  kill(): void;
  startDelayMs: number;
}

export function cameraTriggerContract(make: Make<CameraTrigger, CameraStimuli>): void {
  it('confirms recording some time after the trigger, and its end after release', () =>
    using(make, async (camera, rig) => {
      const seen: boolean[] = [];
      camera.onRecording((r) => seen.push(r));
      expect(camera.isRecording()).toBe(false);
      camera.setRecording(true);
      await rig.advance(rig.startDelayMs + 100);
      expect(camera.isRecording()).toBe(true);
      camera.setRecording(false);
      await rig.advance(500);
      expect(seen).toEqual([true, false]);
    }));

  it('never confirms when the camera is dead', () =>
    using(make, async (camera, rig) => {
      rig.fail();
      camera.setRecording(true);
      await rig.advance(10_000);
      expect(camera.isRecording()).toBe(false);
    }));

  it('reports a camera that dies mid-recording', () =>
    using(make, async (camera, rig) => {
      const seen: boolean[] = [];
      camera.onRecording((r) => seen.push(r));
      camera.setRecording(true);
      await rig.advance(rig.startDelayMs + 100);
      rig.kill();
      await rig.advance(100);
      expect(seen).toEqual([true, false]);
      expect(camera.isRecording()).toBe(false);
    }));
}

export interface BarcodeStimuli {
  scan(text: string): void;
}

export function barcodeReaderContract(make: Make<BarcodeReader, BarcodeStimuli>): void {
  it('reports each scan once, with its exact text, in order', () =>
    using(make, async (reader, rig) => {
      const seen: string[] = [];
      reader.onScan((code) => seen.push(code));
      rig.scan('1Z999AA10123456784');
      rig.scan('JD014600006281234567');
      await rig.advance(500);
      expect(seen).toEqual(['1Z999AA10123456784', 'JD014600006281234567']);
    }));

  it('drops scans longer than 128 characters, and empty ones', () =>
    using(make, async (reader, rig) => {
      const seen: string[] = [];
      reader.onScan((code) => seen.push(code));
      rig.scan('9'.repeat(129));
      rig.scan('');
      rig.scan('9'.repeat(128));
      await rig.advance(500);
      expect(seen).toEqual(['9'.repeat(128)]);
    }));

  it('stops reporting once a listener unsubscribes', () =>
    using(make, async (reader, rig) => {
      const seen: string[] = [];
      const off = reader.onScan((code) => seen.push(code));
      off();
      rig.scan('1Z999AA10123456784');
      await rig.advance(500);
      expect(seen).toEqual([]);
    }));
}

export interface IndicatorStimuli {
  led(): boolean;
  buzzer(): boolean;
}

export function statusIndicatorContract(make: Make<StatusIndicator, IndicatorStimuli>): void {
  it('shows a one-shot signal and returns to idle', () =>
    using(make, async (status, rig) => {
      status.show('accepted');
      await rig.advance(10);
      expect(rig.led()).toBe(true);
      expect(rig.buzzer()).toBe(true);
      await rig.advance(5000);
      expect(status.current).toBe('idle');
      expect(rig.led()).toBe(false);
      expect(rig.buzzer()).toBe(false);
    }));

  it('repeats an alarm until replaced', () =>
    using(make, async (status, rig) => {
      status.show('alarm');
      let buzzes = 0;
      for (let t = 0; t < 6000; t += 50) {
        await rig.advance(50);
        if (rig.buzzer()) buzzes++;
      }
      expect(buzzes).toBeGreaterThan(20);
      expect(status.current).toBe('alarm');
      status.show('idle');
      await rig.advance(1000);
      expect(rig.led() || rig.buzzer()).toBe(false);
    }));
}

export interface BatteryStimuli {
  set(percent: number): void;
  sampleMs: number;
}

export function batteryMonitorContract(make: Make<BatteryMonitor, BatteryStimuli>): void {
  it('reads the level after a sample and reports a change', () =>
    using(make, async (battery, rig) => {
      await rig.advance(rig.sampleMs + 10);
      expect(battery.readLevel()).toBe(100);
      const seen: number[] = [];
      battery.onLevel((p) => seen.push(p));
      rig.set(37);
      await rig.advance(rig.sampleMs + 10);
      expect(seen).toEqual([37]);
      expect(battery.readLevel()).toBe(37);
    }));
}

export interface ContactStimuli {
  set(active: boolean): void;
}

export function tamperSwitchContract(make: Make<TamperSwitch, ContactStimuli>): void {
  it('reports the case opened and shut again', () =>
    using(make, async (tamper, rig) => {
      expect(tamper.isTampered()).toBe(false);
      const seen: boolean[] = [];
      tamper.onChange((t) => seen.push(t));
      rig.set(true);
      await rig.advance(100);
      expect(tamper.isTampered()).toBe(true);
      rig.set(false);
      await rig.advance(100);
      expect(seen).toEqual([true, false]);
    }));
}

export function pairButtonContract(make: Make<PairButton, ContactStimuli>): void {
  it('reports press and release', () =>
    using(make, async (button, rig) => {
      const seen: boolean[] = [];
      button.onChange((p) => seen.push(p));
      rig.set(true);
      await rig.advance(100);
      expect(button.isPressed()).toBe(true);
      rig.set(false);
      await rig.advance(100);
      expect(seen).toEqual([true, false]);
    }));

  it('ignores a glitch shorter than its debounce time', () =>
    using(make, async (button, rig) => {
      const seen: boolean[] = [];
      button.onChange((p) => seen.push(p));
      rig.set(true);
      await rig.advance(6);
      rig.set(false);
      await rig.advance(200);
      expect(seen).toEqual([]);
    }));
}
