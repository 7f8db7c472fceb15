// Runs every port contract against the johnny-five drivers on the gpiod IO plugin over AN IN-MEMORY
// GPIO binding (hal/gpiod/in-memory.ts) wired to the simulated world, once per gpiod board profile.
import { describe } from 'vitest';
import { loadBoard } from '../../hal/boards.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import { type GpiodPorts, startGpiodPorts } from '../helpers/gpiod-board.js';
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

function maker<P, S>(board: string, pick: (ports: BoardPorts) => P | undefined, stimuli: (g: GpiodPorts) => S) {
  return async () => {
    const g = await startGpiodPorts({ board });
    const port = pick(g.ports);
    if (!port) throw new Error(`board ${board} lacks this port`);
    const rig: Rig & S = { advance: (ms) => g.time.advance(ms), release: () => g.release(), ...stimuli(g) };
    return { port, rig };
  };
}

for (const board of ['rpi4', 'rpi5', 'rpi-zero-2w', 'beaglebone-black']) {
  const d = loadBoard('boards.json', board).devices;
  describe(`board ${board} (gpiod plugin on an in-memory GPIO binding, johnny-five drivers)`, () => {
    describe('bolt actuator', () =>
      boltActuatorContract(
        maker(board, (p) => p.bolt, (g) => ({
          travelTimeoutMs: d.bolt.travelTimeoutMs,
          jam: () => g.control.jamBolt(),
          turnByHand: (to: 'locked' | 'unlocked') => g.control.turnThumbTurn(to),
          motorDriven: () => g.world.bolt.drive !== 'stop',
        })),
      ));
    describe('door sensor', () =>
      doorSensorContract(
        maker(board, (p) => p.door, (g) => ({
          unlockBolt: () => {
            g.ports.bolt.drive('retract');
            g.time.advance(d.bolt.travelTimeoutMs);
            g.ports.bolt.drive('stop');
          },
          open: () => g.control.openDoor(),
          close: () => g.control.closeDoor(),
        })),
      ));
    if (d.keypadRows) {
      describe('keypad', () =>
        keypadContract(
          maker(board, (p) => p.keypad, (g) => ({
            type: (keys: string) => g.control.typeKeys(keys),
            hold: (key: string) => g.control.holdKey(key),
            releaseAll: () => g.control.releaseKeys(),
          })),
        ));
    }
    if (d.camera) {
      describe('camera trigger', () =>
        cameraTriggerContract(
          maker(board, (p) => p.camera, (g) => ({
            fail: () => g.control.failCamera(),
            kill: () => g.control.killCameraMidRecording(),
            startDelayMs: g.world.camera!.options.startDelayMs,
          })),
        ));
    }
    describe('status indicator', () =>
      statusIndicatorContract(maker(board, (p) => p.status, (g) => ({ led: () => g.world.ledOn, buzzer: () => g.world.buzzerOn }))));
    if (d.battery) {
      const sampleMs = d.battery.sampleMs;
      describe('battery monitor', () =>
        batteryMonitorContract(maker(board, (p) => p.battery, (g) => ({ set: (pct: number) => g.control.setBattery(pct), sampleMs }))));
    }
    describe('tamper switch', () =>
      tamperSwitchContract(maker(board, (p) => p.tamper, (g) => ({ set: (on: boolean) => g.control.setTamper(on) }))));
    describe('pair button', () =>
      pairButtonContract(maker(board, (p) => p.pairButton, (g) => ({ set: (on: boolean) => g.world.pairButton!.set(on) }))));
  });
}
