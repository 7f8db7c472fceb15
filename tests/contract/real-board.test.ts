// The port contracts on a REAL board, for a person with a wired board at hand:
//   LOCK_CONTRACT_BOARD=rpi4 npm run test:board
// The drivers are opened exactly as firmware/main.ts opens them (the board's IO plugin by name).
// Where a contract needs the world to change (open the door, turn the thumb-turn, press keys), the
// rig prints what to do on stderr and gives the person LOCK_CONTRACT_PERSON_MS (default 10 s) to do
// it. Without LOCK_CONTRACT_BOARD every suite here is skipped with one line: CI has no board.
// What a real rig cannot measure is said where it matters: "motor driven" is read from the
// driver's output, not from the motor; the status LED and buzzer are judged by eye (not here).
import { describe, it } from 'vitest';
import { loadBoard } from '../../hal/boards.js';
import { loadIoPlugin, openPorts } from '../../hal/io-plugins.js';
import type { JohnnyFivePorts } from '../../hal/johnny-five/ports.js';
import { systemClock } from '../../hal/node/clock.js';
import { cryptoRandom } from '../../hal/node/random.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import {
  batteryMonitorContract,
  boltActuatorContract,
  cameraTriggerContract,
  doorSensorContract,
  keypadContract,
  pairButtonContract,
  type Rig,
  tamperSwitchContract,
} from './ports.contract.js';

const board = process.env.LOCK_CONTRACT_BOARD;
const personMs = Number(process.env.LOCK_CONTRACT_PERSON_MS ?? 10_000);

if (!board) {
  describe('port contracts on a real board', () => {
    it.skip('skipped: no board attached (run LOCK_CONTRACT_BOARD=<profile> npm run test:board on the board)', () => {});
  });
} else {
  const profile = loadBoard('boards.json', board);
  let opened: Promise<JohnnyFivePorts> | null = null;
  /** One board for the whole run: johnny-five opens a board once per process. */
  const ports = () =>
    (opened ??= (async () => {
      const plugin = await loadIoPlugin(profile, systemClock, cryptoRandom);
      const { ports: p } = await openPorts(profile, plugin, systemClock);
      await p.ready();
      return p;
    })());

  let asked = false;
  /** Tell the person what to do; the next advance() waits for them. */
  const ask = (what: string) => {
    process.stderr.write(`\n>>> ${what} (you have ${Math.round(personMs / 1000)} s)\n`);
    asked = true;
  };
  const rig = (): Rig => ({
    async advance(ms) {
      const wait = Math.max(ms, asked ? personMs : 0);
      asked = false;
      await new Promise((resolve) => setTimeout(resolve, wait));
    },
    release() {},
  });
  const maker =
    <P, S>(pick: (p: BoardPorts) => P | undefined, stimuli: (p: JohnnyFivePorts) => S) =>
    async () => {
      const p = await ports();
      const port = pick(p);
      if (!port) throw new Error(`board ${board} has no such part`);
      return { port, rig: { ...rig(), ...stimuli(p) } };
    };
  const d = profile.devices;
  const timeout = personMs * 6 + 60_000;

  describe(`port contracts on the real board ${board}`, { timeout }, () => {
    describe('bolt actuator', () =>
      boltActuatorContract(
        maker(
          (p) => p.bolt,
          (p) => ({
            travelTimeoutMs: d.bolt.travelTimeoutMs,
            jam: () => ask('hold the bolt so it cannot move'),
            turnByHand: (to: 'locked' | 'unlocked') => ask(`turn the thumb-turn to ${to}`),
            motorDriven: () => (p.bolt as unknown as { driving: string }).driving !== 'stop',
          }),
        ),
      ));
    describe('door sensor', () =>
      doorSensorContract(
        maker(
          (p) => p.door,
          () => ({
            unlockBolt: () => ask('withdraw the bolt (thumb-turn) so the door can open'),
            open: () => ask('open the door'),
            close: () => ask('close the door'),
          }),
        ),
      ));
    if (d.keypadRows) {
      describe('keypad', () =>
        keypadContract(
          maker(
            (p) => p.keypad,
            () => ({
              type: (keys: string) => {
                ask(`type ${keys} on the keypad`);
                return personMs;
              },
              hold: (key: string) => ask(`press and hold ${key}`),
              releaseAll: () => ask('release every key'),
            }),
          ),
        ));
    }
    if (d.camera) {
      describe('camera trigger', () =>
        cameraTriggerContract(
          maker(
            (p) => p.camera,
            () => ({
              fail: () => ask('disconnect the camera'),
              kill: () => ask('cut the camera\'s power now'),
              startDelayMs: personMs,
            }),
          ),
        ));
    }
    if (d.battery) {
      describe('battery monitor', () =>
        batteryMonitorContract(maker((p) => p.battery, () => ({ set: (pct: number) => ask(`set the bench supply to ${pct}% of the pack`), sampleMs: d.battery!.sampleMs }))));
    }
    describe('tamper switch', () => tamperSwitchContract(maker((p) => p.tamper, () => ({ set: (on: boolean) => ask(on ? 'open the case (tamper)' : 'close the case') }))));
    describe('pair button', () => pairButtonContract(maker((p) => p.pairButton, () => ({ set: (on: boolean) => ask(on ? 'press and hold the pair button' : 'release the pair button') }))));
  });
}
