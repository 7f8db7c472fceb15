// Runs every port contract against the johnny-five drivers on the simulated IO plugin, once per
// board profile, so each profile's pin rules (no pull-ups on BeagleBone, servo bolt on the Zero)
// are exercised in CI.
import { describe } from 'vitest';
import { loadBoard } from '../../hal/boards.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import { type SimPorts, startSimPorts } from '../helpers/sim-lock.js';
import {
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

for (const board of ['sim', 'rpi4', 'rpi-zero-2w', 'beaglebone-black']) {
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
