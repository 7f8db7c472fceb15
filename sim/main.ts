// `npm run sim`: the firmware on the simulated board, in real time, with a terminal to act on the
// world (door, thumb-turn, jams, keypad, tamper) and to command the lock, watching the log live.
import { emitKeypressEvents } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadLockConfig } from '../firmware/config.js';
import { createLogger } from '../firmware/log.js';
import { boot, handleSignals } from '../firmware/main.js';
import { systemClock } from '../hal/node/clock.js';
import type { SimBoard } from './board.js';
import { SimControl } from './control/control.js';

const HELP = `
 keys:  l lock   u unlock   o open door   c close door   f force door   t thumb-turn
        j jam bolt   k brief jam (frees on backoff)   g clear jam
        0-9 * #  keypad   p pair button   x tamper on/off   b battery -10%   v camera fails
        s show world   h help   q quit
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      board: { type: 'string', default: 'sim' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadLockConfig(values.config ?? null);
  const logger = createLogger({ level: config.logLevel, pretty: !values.json });
  const { app, world, profile } = await boot({ board: values.board!, config, logger });
  if (profile.io.plugin !== 'sim') throw new Error(`board "${values.board}" is not simulated; use npm start`);
  const control = new SimControl(world as SimBoard, systemClock);
  const lock = app.deadbolt;
  let tampered = false;

  const say = (text: string) => process.stdout.write(`${text}\n`);
  const actions: Record<string, () => void> = {
    l: () => say(`lock: ${lock.lock('command')}`),
    u: () => say(`unlock: ${lock.unlock('command')}`),
    o: () => say(`open door: ${control.openDoor() ?? 'ok'}`),
    c: () => say(`close door: ${control.closeDoor() ?? 'ok'}`),
    f: () => say(`force door: ${control.forceDoor() ?? 'ok'}`),
    t: () => {
      const to = control.snapshot().bolt.position > 0.5 ? 'unlocked' : 'locked';
      say(`thumb-turn to ${to}: ${control.turnThumbTurn(to) ? 'turning' : 'will not turn'}`);
    },
    j: () => {
      control.jamBolt(false);
      say('bolt jammed');
    },
    k: () => {
      control.jamBolt(true);
      say('bolt briefly jammed');
    },
    g: () => {
      control.clearJam();
      say('jam cleared');
    },
    p: () => {
      control.pressPairButton();
      say('pair button pressed');
    },
    x: () => {
      tampered = !tampered;
      control.setTamper(tampered);
      say(`tamper ${tampered ? 'on' : 'off'}`);
    },
    b: () => {
      const next = Math.max(0, (control.snapshot().battery ?? 100) - 10);
      control.setBattery(next);
      say(`battery set to ${next}%`);
    },
    v: () => {
      control.failCamera();
      say('camera will not record');
    },
    s: () =>
      say(
        JSON.stringify(
          { lock: lock.current, alarms: [...lock.activeAlarms], world: control.snapshot() },
          null,
          2,
        ),
      ),
    h: () => say(HELP),
  };

  handleSignals(app, logger);
  say(HELP);
  const onKey = (text: string) => {
    if (text === 'q') {
      process.kill(process.pid, 'SIGINT');
      return;
    }
    if (/^[0-9*#]$/.test(text)) {
      control.pressKey(text);
      return;
    }
    actions[text]?.();
  };
  if (process.stdin.isTTY) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on('keypress', (text: string | undefined, key: { ctrl?: boolean; name?: string }) => {
      if (key?.ctrl && key.name === 'c') process.kill(process.pid, 'SIGINT');
      else if (text) onKey(text);
    });
  } else {
    // Piped input: one command per line (for scripts and tests).
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      for (const ch of chunk.replace(/\s+/g, '')) onKey(ch);
    });
  }
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(`sim: ${(error as Error).message}`);
  process.exit(1);
});
