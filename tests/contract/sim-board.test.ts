// Runs every port contract against the johnny-five drivers on the simulated IO plugin, once per
// board profile, so each profile's pin rules (no pull-ups on BeagleBone, servo bolt on the Zero)
// are exercised in CI.
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../hal/boards.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import { type SimPorts, startSimPorts } from '../helpers/sim-lock.js';
import {
  barcodeReaderContract,
  batteryMonitorContract,
  boltActuatorContract,
  cameraTriggerContract,
  doorSensorContract,
  keypadContract,
  pairButtonContract,
  type Rig,
  statusIndicatorContract,
  tamperSwitchContract,
} from './ports.contract.js';

function maker<P, S>(
  board: string,
  pick: (ports: BoardPorts) => P | undefined,
  stimuli: (sim: SimPorts) => S,
) {
  return async () => {
    const sim = await startSimPorts({ board });
    const port = pick(sim.ports);
    if (!port) throw new Error(`board ${board} lacks this port`);
    const rig: Rig & S = {
      advance: (ms) => sim.time.advance(ms),
      release: () => sim.release(),
      ...stimuli(sim),
    };
    return { port, rig };
  };
}

for (const board of ['sim', 'rpi4', 'rpi-zero-2w', 'beaglebone-black', 'parcel-box-sim']) {
  const d = loadBoard('boards.json', board).devices;
  describe(`board ${board} (simulated IO, johnny-five drivers)`, () => {
    describe('bolt actuator', () =>
      boltActuatorContract(
        maker(
          board,
          (p) => p.bolt,
          (sim) => ({
            travelTimeoutMs: d.bolt.travelTimeoutMs,
            jam: () => sim.control.jamBolt(),
            turnByHand: (to: 'locked' | 'unlocked') => sim.control.turnThumbTurn(to),
            motorDriven: () => sim.world.bolt.drive !== 'stop',
          }),
        ),
      ));
    describe('door sensor', () =>
      doorSensorContract(
        maker(
          board,
          (p) => p.door,
          (sim) => ({
            unlockBolt: () => {
              sim.ports.bolt.drive('retract');
              sim.time.advance(d.bolt.travelTimeoutMs);
              sim.ports.bolt.drive('stop');
            },
            open: () => sim.control.openDoor(),
            close: () => sim.control.closeDoor(),
          }),
        ),
      ));
    if (d.keypadRows) {
      describe('keypad', () =>
        keypadContract(
          maker(
            board,
            (p) => p.keypad,
            (sim) => ({
              type: (keys: string) => sim.control.typeKeys(keys),
              hold: (key: string) => sim.control.holdKey(key),
              releaseAll: () => sim.control.releaseKeys(),
            }),
          ),
        ));
    }
    if (d.camera) {
      describe('camera trigger', () =>
        cameraTriggerContract(
          maker(
            board,
            (p) => p.camera,
            (sim) => ({
              fail: () => sim.control.failCamera(),
              kill: () => sim.control.killCameraMidRecording(),
              startDelayMs: sim.world.camera!.options.startDelayMs,
            }),
          ),
        ));
    }
    if (d.barcode) {
      // A port-level device in the simulator (as the credential reader is): the contract a serial driver must also meet.
      describe('barcode reader', () =>
        barcodeReaderContract(maker(board, (p) => p.barcode, (sim) => ({ scan: (text: string) => sim.control.scanBarcode(text) }))));
    }
    describe('status indicator', () =>
      statusIndicatorContract(
        maker(
          board,
          (p) => p.status,
          (sim) => ({ led: () => sim.world.ledOn, buzzer: () => sim.world.buzzerOn }),
        ),
      ));
    if (d.battery) {
      const sampleMs = d.battery.sampleMs;
      describe('battery monitor', () =>
        batteryMonitorContract(
          maker(
            board,
            (p) => p.battery,
            (sim) => ({ set: (pct: number) => sim.control.setBattery(pct), sampleMs }),
          ),
        ));
    }
    describe('tamper switch', () =>
      tamperSwitchContract(
        maker(
          board,
          (p) => p.tamper,
          (sim) => ({ set: (on: boolean) => sim.control.setTamper(on) }),
        ),
      ));
    describe('pair button', () =>
      pairButtonContract(
        maker(
          board,
          (p) => p.pairButton,
          (sim) => ({ set: (on: boolean) => sim.world.pairButton!.set(on) }),
        ),
      ));
  });
}

describe('bolt position under a stalled event loop', () => {
  // Both end switches change between two input polls (a 4 ms stroke here; on a board, a stall of
  // the event loop during a normal stroke). Their debounced views settle one after the other;
  // the driver must not report the instant where both look active as a sensor fault.
  it('never reports a transient fault when both switches change in one poll', async () => {
    // A slower debounce on the unlocked switch lets the locked one settle first, as load can in real time.
    const sim = await startSimPorts({
      world: { bolt: { travelMs: 4 }, boltStart: 0 },
      editProfile: (p) => {
        p.devices.boltUnlockedSwitch.debounceMs = 40;
      },
    });
    try {
      const seen: string[] = [];
      sim.ports.bolt.onPosition((p) => seen.push(p));
      for (let i = 0; i < 20; i++) {
        sim.ports.bolt.drive(i % 2 ? 'retract' : 'extend');
        sim.time.advance(300);
        sim.ports.bolt.drive('stop');
        sim.time.advance(300);
      }
      expect(seen).not.toContain('fault');
      expect(seen.filter((p) => p !== 'between')).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'unlocked' : 'locked')));
    } finally {
      sim.release();
    }
  });

  it('still reports a fault that persists (both switches closed: wiring)', async () => {
    const sim = await startSimPorts();
    try {
      const seen: string[] = [];
      sim.ports.bolt.onPosition((p) => seen.push(p));
      const unlocked = sim.world.io.index('GPIO21');
      sim.world.io.setInput(unlocked, 0); // short the unlocked switch while the bolt is thrown
      sim.time.advance(500);
      expect(seen).toEqual(['fault']);
      expect(sim.ports.bolt.readPosition()).toBe('fault');
    } finally {
      sim.release();
    }
  });
});
