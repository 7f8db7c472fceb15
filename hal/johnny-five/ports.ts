// Builds every HAL port for a board profile from johnny-five components over any IO plugin.
// Only firmware/main.ts, tools and tests call this; the firmware sees the ports alone.
import { type EventEmitter, once } from 'node:events';
import five from 'johnny-five';
import type { BoardProfile } from '../boards.js';
import type { Clock } from '../ports/clock.js';
import type { BoardPorts } from '../ports/index.js';
import { JohnnyFiveBattery } from './battery.js';
import { JohnnyFiveBolt } from './bolt.js';
import { JohnnyFiveCamera } from './camera.js';
import { JohnnyFiveDoor, JohnnyFivePairButton, JohnnyFiveTamper } from './contacts.js';
import { MatrixKeypad } from './keypad.js';
import { JohnnyFiveStatus } from './status.js';

/**
 * Open a johnny-five Board on an IO plugin instance. No REPL, no debug output, no SIGINT
 * handler of its own: the firmware decides what happens to the bolt on shutdown.
 */
export async function openBoard(io: unknown): Promise<five.Board> {
  const board = new five.Board({ io, repl: false, debug: false, sigint: false } as five.BoardOption);
  const emitter = board as unknown as EventEmitter & { isReady: boolean };
  if (!emitter.isReady) {
    const [error] = await Promise.race([once(emitter, 'ready').then(() => [null]), once(emitter, 'error')]);
    if (error) throw error;
  }
  return board;
}

export interface JohnnyFivePorts extends BoardPorts {
  /** Resolves when every input has given its first reading. */
  ready(): Promise<void>;
}

export function createJohnnyFivePorts(
  board: five.Board,
  profile: BoardProfile,
  clock: Clock,
): JohnnyFivePorts {
  const d = profile.devices;
  const bolt = new JohnnyFiveBolt(
    board,
    d.bolt,
    { locked: d.boltLockedSwitch, unlocked: d.boltUnlockedSwitch },
    clock,
  );
  const door = new JohnnyFiveDoor(board, d.door, clock);
  const keypad =
    d.keypadRows && d.keypadColumns && d.keypadLayout
      ? new MatrixKeypad(
          board,
          { rows: d.keypadRows, columns: d.keypadColumns, layout: d.keypadLayout },
          clock,
        )
      : undefined;
  const camera =
    d.camera && d.cameraRecording
      ? new JohnnyFiveCamera(board, d.camera, d.cameraRecording, clock)
      : undefined;
  const tamper = d.tamper ? new JohnnyFiveTamper(board, d.tamper, clock) : undefined;
  const pairButton = d.pairButton ? new JohnnyFivePairButton(board, d.pairButton, clock) : undefined;
  const status =
    d.statusLed || d.buzzer ? new JohnnyFiveStatus(board, d.statusLed, d.buzzer, clock) : undefined;
  const battery = d.battery ? new JohnnyFiveBattery(board, d.battery) : undefined;
  const inputs = [door.input, camera?.recording, tamper?.input, pairButton?.input].filter(
    (x) => x !== undefined,
  );

  return {
    bolt,
    door,
    keypad,
    camera,
    tamper,
    pairButton,
    status,
    battery,
    async ready() {
      await Promise.all([bolt.ready(), ...inputs.map((input) => input.ready())]);
    },
    async close() {
      // The motor first: whatever else fails, the bolt stops being driven.
      bolt.close();
      for (const part of [camera, status, keypad, door, tamper, pairButton, battery]) part?.close();
    },
  };
}
