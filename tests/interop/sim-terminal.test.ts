// The main job as a person uses it: `npm run sim` in a real process, commands typed on its stdin,
// the log read from its stdout. Waits on output lines (with a generous deadline), never on sleeps.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonWith, type SimProcess, startSimProcess } from '../helpers/sim-process.js';

let child: SimProcess | null = null;
afterEach(() => {
  child?.proc.kill('SIGKILL');
  child = null;
});

function startSim(): SimProcess {
  child = startSimProcess();
  return child;
}

describe('npm run sim', () => {
  it('boots, obeys typed commands, and leaves the bolt locked on quit', async () => {
    const sim = startSim();
    await sim.waitFor(jsonWith({ event: 'ready', state: 'locked' }), 'ready');
    sim.type('u');
    await sim.waitFor(jsonWith({ event: 'operation', op: 'unlock', outcome: 'done' }), 'unlock done');
    sim.type('o');
    await sim.waitFor(jsonWith({ event: 'door', state: 'open' }), 'door open');
    sim.type('l');
    await sim.waitFor((l) => l === 'lock: door-open', 'lock refused');
    sim.type('c');
    await sim.waitFor(jsonWith({ event: 'door', state: 'closed' }), 'door closed');
    sim.type('q');
    await sim.waitFor(jsonWith({ event: 'stopped', state: 'locked' }), 'stopped locked');
    expect(await sim.exited).toBe(0);
  }, 60_000);

  it('pairs itself for play: the demo PIN on the keypad and the demo phone at the reader open the door', async () => {
    const sim = startSim();
    const demo = await sim.waitFor((l) => l.includes('demo pairing: PIN'), 'demo pairing');
    const pin = /PIN (\d+)#/.exec(demo)![1]!;
    await sim.waitFor(jsonWith({ event: 'ready', state: 'locked' }), 'ready');
    // Its in-process broker carries the lock's status and retained state.
    const brokerLine = await sim.waitFor((l) => l.includes('MQTT: in-process broker at'), 'the broker line');
    const url = /at (mqtt:\/\/[0-9.:]+);/.exec(brokerLine)![1]!;
    const watcher = mqtt.connect(url, { protocolVersion: 4 });
    const retained: string[] = [];
    watcher.on('message', (topic, payload) => retained.push(`${topic} ${payload.toString().slice(0, 40)}`));
    await new Promise<void>((r) => watcher.once('connect', () => watcher.subscribe('locks/sim-door/#', () => r())));
    sim.type(`${pin}#`);
    await sim.waitFor(jsonWith({ event: 'access', via: 'keypad', kind: 'pin', allow: true }), 'PIN allowed');
    await sim.waitFor(jsonWith({ event: 'operation', op: 'unlock', outcome: 'done' }), 'unlock done');
    sim.type('l');
    await sim.waitFor(jsonWith({ event: 'operation', op: 'lock', outcome: 'done' }), 'lock done');
    sim.type('n');
    await sim.waitFor(jsonWith({ event: 'access', via: 'reader', kind: 'phone', allow: true }), 'phone allowed');
    expect(retained.some((m) => m.startsWith('locks/sim-door/status online'))).toBe(true);
    expect(retained.some((m) => m.startsWith('locks/sim-door/events'))).toBe(true);
    watcher.end(true);
    sim.type('q');
    await sim.waitFor(jsonWith({ event: 'stopped' }), 'stopped');
    expect(await sim.exited).toBe(0);
    expect(sim.lines.join('\n')).not.toContain(`"${pin}`);
  }, 60_000);
});
