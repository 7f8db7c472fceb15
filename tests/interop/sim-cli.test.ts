// `npm run sim` as a newcomer meets it: --help, boards it cannot simulate, colours only where they
// belong, a broker port to point tools at, and one state shown alike by `s` and the retained MQTT
// state (camera failed and repaired; a forced entry, closed and relocked). Real processes, real time.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { wantColour, watchCommand } from '../../sim/cli.js';
import { jsonWith, type SimProcess, startSimProcess } from '../helpers/sim-process.js';
import { simWeb } from '../helpers/sim-web.js';
import { waitUntil } from '../helpers/wait.js';

const sim = (args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'sim/main.ts', ...args], { env: { ...process.env, IS_TEST_MODE: '', ...env }, input: 'q', encoding: 'utf8', timeout: 60_000 });

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let child: SimProcess | null = null;
afterEach(() => {
  child?.proc.kill('SIGKILL');
  child = null;
});

describe('npm run sim: the command line', () => {
  it('--help prints the options and the keys, and exits 0 without booting', () => {
    const help = sim(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--mqtt-port N/);
    expect(help.stdout).toMatch(/P hold the pair button down/);
    expect(help.stdout).not.toMatch(/lock ready/);
  });

  it('a real board is refused as not simulated, with what to run instead', () => {
    const real = sim(['--board', 'rpi4']);
    expect(real.status).toBe(2);
    expect(real.stderr).toMatch(/"rpi4" is not a simulated board .*npm start -- --board rpi4.*simulated boards: sim, parcel-box-sim/);
    expect(real.stderr).not.toMatch(/npm install/);
  });

  it('readable lines without colour codes when NO_COLOR is set or the output is not a terminal; colours when forced', () => {
    const plain = sim([], { NO_COLOR: '1', FORCE_COLOR: undefined });
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: lock ready, bolt locked$/m); // one line, local time, no fields
    expect(plain.stdout).not.toMatch(/^\s+event:/m);
    expect(plain.stdout).not.toMatch(/signal/);
    const notTty = sim([], { NO_COLOR: undefined, FORCE_COLOR: undefined });
    expect(notTty.stdout).not.toContain('\u001b[');
    const forced = sim([], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[');
    expect(wantColour({ isTTY: true }, {})).toBe(true);
    expect(wantColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantColour({ isTTY: false }, {})).toBe(false);
  }, 120_000);
});

describe('npm run sim: one state for s and the retained state', () => {
  it('--mqtt-port, a filter that shows Home Assistant too; s and the retained state agree after a camera failure and repair, and after a forced entry and relock; typed keys are never lost', async () => {
    const port = await freePort();
    const s = (child = startSimProcess(['--mqtt-port', String(port)]));
    const brokerLine = await s.waitFor((l) => l.includes('mosquitto_sub'), 'the watch command');
    expect(brokerLine.trim()).toBe(watchCommand(port, 'sim-door'));
    expect(brokerLine).toContain("-t 'homeassistant/#'");
    await s.waitFor(jsonWith({ event: 'ready', state: 'locked' }), 'ready');

    const watcher = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4 });
    const topics = new Set<string>();
    let retained: { bolt: string; door: string; mode: string; alarms: string[]; battery: number | null } | null = null;
    watcher.on('message', (topic, payload) => {
      topics.add(topic);
      if (topic === 'locks/sim-door/state') retained = JSON.parse(payload.toString());
    });
    await new Promise<void>((r) => watcher.once('connect', () => watcher.subscribe(['locks/sim-door/#', 'homeassistant/#'], () => r())));
    cleanupWatcher = () => watcher.end(true);
    await waitUntil(() => [...topics].some((t) => t.startsWith('homeassistant/')) && retained, 'discovery and the retained state');

    /** Type s; parse the status line it prints. */
    const status = async () => {
      const before = countStatus(s.lines);
      s.type('s');
      await waitUntil(() => countStatus(s.lines) > before, 'the status line of s');
      return JSON.parse(s.lines.filter(isStatus)[before]!) as { lock: { bolt: string; door: string; alarms: string[]; battery: number | null }; world: { door: { forced: boolean } } };
    };
    const agree = async (what: string, alarms: string[]) => {
      await waitUntil(() => retained && JSON.stringify(retained.alarms) === JSON.stringify(alarms), `the retained state's alarms ${JSON.stringify(alarms)} (${what})`);
      const shownNow = await status();
      // The fields both show (the retained state adds Home Assistant's own: lock, keypad_lockout, last_access).
      const { bolt, door, mode, battery, alarms: retainedAlarms } = retained as unknown as Record<string, unknown>;
      expect(shownNow.lock, what).toEqual({ bolt, door, mode, battery, alarms: retainedAlarms });
      expect(shownNow.lock.alarms, what).toEqual(alarms);
      return shownNow;
    };

    // A courier with a record obligation and a dead camera: camera-failed, in s and in the retained state.
    s.type('v');
    s.type('d');
    await s.waitFor(jsonWith({ event: 'alarm', kind: 'camera-failed', active: true }), 'camera-failed');
    await agree('camera failed', ['camera-failed']);
    s.type('r');
    await s.waitFor((l) => l === 'camera check: recording confirmed', 'the camera check');
    await agree('camera repaired', []);

    // Forced entry past the thrown bolt, then shut and relocked: the alarm and the world's flag clear.
    s.type('f');
    await s.waitFor(jsonWith({ event: 'alarm', kind: 'forced-entry', active: true }), 'forced-entry');
    const forced = await agree('forced', ['forced-entry']);
    expect(forced.world.door.forced).toBe(true);
    s.type('u');
    await s.waitFor(jsonWith({ event: 'operation', op: 'unlock', outcome: 'done' }), 'unlocked');
    s.type('c');
    await s.waitFor(jsonWith({ event: 'door', state: 'closed' }), 'closed');
    s.type('l');
    await s.waitFor(jsonWith({ event: 'operation', op: 'lock', outcome: 'done' }), 'relocked');
    const relocked = await agree('relocked', []);
    expect(relocked.world.door.forced).toBe(false);
    expect(relocked.lock).toMatchObject({ bolt: 'locked', door: 'closed' });

    // Ten digits typed in one go arrive as ten key presses: an offline code, not a PIN (no key lost).
    const code = /offline code (\d{10})#/.exec(s.lines.find((l) => l.includes('offline code'))!)![1]!;
    s.type(`${code}#`);
    await s.waitFor(jsonWith({ event: 'access', via: 'keypad', kind: 'offline-code', allow: true }), 'the offline code allowed');

    s.type('q');
    await s.waitFor(jsonWith({ event: 'stopped' }), 'stopped');
    expect(await s.exited).toBe(0);
    cleanupWatcher();
  }, 120_000);
});

let cleanupWatcher = () => {};
const isStatus = (l: string) => l.startsWith('{"lock":');
const countStatus = (lines: string[]) => lines.filter(isStatus).length;

describe("npm run sim: the web API's keypad", () => {
  it('two keypad/type calls sent back to back are typed one after the other, every key held until the lock scanned it', async () => {
    const s = (child = startSimProcess());
    const web = await simWeb(s);
    // No wait between them: the second waits for the first instead of interleaving with it.
    expect((await web.post('keypad/type', { keys: '1111#' })).status).toBe(200);
    expect((await web.post('keypad/type', { keys: '2580#' })).status).toBe(200);
    const opened = await web.waitForEvent((e) => e.type === 'access' && e.data.via === 'keypad' && e.data.allow === true, 'the demo PIN opening', 60_000);
    const refused = await web.waitForEvent((e) => e.type === 'access' && e.data.via === 'keypad' && e.data.allow === false, 'the wrong PIN refused');
    expect(refused.data.reason).toBe('unknown-code');
    expect(refused.seq).toBeLessThan(opened.seq);
    const keypadAccess = (await web.get('events')).body.events.filter((e: { type: string; data: { via?: string } }) => e.type === 'access' && e.data.via === 'keypad');
    expect(keypadAccess).toHaveLength(2); // two codes, nothing garbled in between
  }, 120_000);
});
