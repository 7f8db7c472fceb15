// The installer's self-test on the simulated board, on simulated time: the real deadbolt and
// drivers, with faults put into the world through the control API.
import { afterEach, describe, expect, it } from 'vitest';
import { parseSelfTestRequest, runSelfTest, type SelfTestOptions } from '../../firmware/pairing/self-test.js';
import { type SimLock, settle, startSimLock } from '../helpers/sim-lock.js';

const OPTIONS: SelfTestOptions = { keypadWaitMs: 0, cameraConfirmMs: 2_000, strokeTimeoutMs: 7_000, cameraBusy: false };
let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

async function selfTest(l: SimLock, options: Partial<SelfTestOptions> = {}) {
  return settle(runSelfTest(l.ports, l.app.deadbolt, l.time.clock, { ...OPTIONS, ...options }), l.time, 60_000);
}

describe('self-test on the simulated board', () => {
  it('a healthy lock: both strokes timed, every sensor read, the camera confirmed, a key press seen; the bolt ends where it began', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    l.time.advance(100);
    const pending = selfTest(l, { keypadWaitMs: 10_000 });
    l.time.clock.after(3_000, () => l.control.pressKey('5'));
    const report = await pending;
    expect(report.ok).toBe(true);
    expect(report.bolt.before).toBe('locked');
    expect(report.bolt.strokes.map((s) => [s.op, s.outcome])).toEqual([['unlock', 'done'], ['lock', 'done']]);
    for (const s of report.bolt.strokes) expect(s.ms).toBeGreaterThan(100);
    expect(report.bolt.after).toBe('locked');
    expect(l.world.bolt.isThrown).toBe(true);
    expect(report).toMatchObject({ door: 'closed', tamper: false, pairButton: false, keypad: { fitted: true, keyPressed: true } });
    expect(report.camera.confirmedMs).toBeGreaterThanOrEqual(300);
    expect(l.world.camera!.triggered).toBe(false); // the camera is let go afterwards
  });

  it('a jammed bolt, a dead camera and a keypad nobody pressed: reported, and ok is false', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    l.control.jamBolt();
    l.control.failCamera();
    const report = await selfTest(l, { keypadWaitMs: 1_000 });
    expect(report.ok).toBe(false);
    expect(report.bolt.strokes[0]).toMatchObject({ op: 'unlock', outcome: 'jammed' });
    expect(report.camera).toMatchObject({ fitted: true, confirmedMs: null });
    expect(report.keypad.keyPressed).toBe(false);
  });

  it('the door open: the bolt is not moved (it would be thrown into an open door), and the report says why', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    l.app.deadbolt.unlock('command');
    l.time.advance(2_000);
    expect(l.control.openDoor()).toBeNull();
    l.time.advance(200);
    const report = await selfTest(l);
    expect(report.bolt.skipped).toMatch(/door is open/);
    expect(report.bolt.strokes).toEqual([]);
    expect(report).toMatchObject({ ok: false, door: 'open' });
  });

  it('a board without a camera or keypad: reported as not fitted, and not a failure', async () => {
    const l = (lock = await startSimLock({ board: 'rpi-zero-2w', config: { autoRelockMs: null } }));
    const report = await selfTest(l);
    expect(report.camera.fitted).toBe(false);
    expect(report.ok).toBe(true);
  });

  it('its strokes are signed as the self-test\'s own (cause "self-test"), never as a remote command', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    const from = l.events.length;
    const report = await selfTest(l);
    expect(report.ok).toBe(true);
    const moves = l.events.slice(from).filter((e) => e.type === 'state' || e.type === 'operation');
    expect(moves.length).toBeGreaterThanOrEqual(6); // two strokes: two states and an operation each
    for (const e of moves) expect(e).toMatchObject({ cause: 'self-test' });
  });

  it('"not fitted", "not asked" and "no reading yet" are told apart', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    const early = await selfTest(l);
    expect(early.keypad).toEqual({ fitted: true, asked: false, keyPressed: null }); // fitted, not asked: not a failure
    expect(early.battery).toEqual({ fitted: true, percent: null }); // the gauge samples once a minute
    expect(early.ok).toBe(true);
    l.time.advance(61_000);
    const later = await selfTest(l);
    expect(later.battery.fitted).toBe(true);
    expect(later.battery.percent).toEqual(expect.any(Number));
  });

  it('a board without a battery gauge says "not fitted"; a keypad asked for and not pressed makes ok false', async () => {
    const l = (lock = await startSimLock({ board: 'rpi-zero-2w', config: { autoRelockMs: null } }));
    const report = await selfTest(l, { keypadWaitMs: 1_000 });
    expect(report.battery).toEqual({ fitted: false, percent: null });
    expect(report.keypad).toEqual({ fitted: true, asked: true, keyPressed: false });
    expect(report.ok).toBe(false);
  });

  it('reads what the lock\'s status says: the battery gauge, the camera after a failure and repair, the door after a forced entry and relock', async () => {
    const l = (lock = await startSimLock({ config: { autoRelockMs: null } }));
    l.time.advance(61_000); // the gauge's first sample
    const first = await selfTest(l);
    expect(first.battery).toEqual({ fitted: true, percent: 100 });
    expect(first.battery.percent).toBe(l.app.status().battery); // one gauge, one reading

    l.control.failCamera();
    expect((await selfTest(l)).camera.confirmedMs).toBeNull();
    l.control.repairCamera();
    expect((await selfTest(l)).camera.confirmedMs).not.toBeNull();

    expect(l.control.forceDoor()).toBeNull();
    l.time.advance(200);
    expect(l.app.status().alarms).toContain('forced-entry');
    expect(l.control.snapshot().door.forced).toBe(true);
    l.app.deadbolt.unlock('command');
    l.time.advance(2_000);
    expect(l.control.closeDoor()).toBeNull();
    l.time.advance(200);
    l.app.deadbolt.lock('command');
    l.time.advance(2_000);
    const after = await selfTest(l);
    expect(l.app.status()).toMatchObject({ bolt: 'locked', door: 'closed', alarms: [] });
    expect(l.control.snapshot().door.forced).toBe(false);
    expect(after).toMatchObject({ ok: true, door: l.app.status().door, battery: { percent: l.app.status().battery } });
  });
});

describe('the self-test request', () => {
  it('keypadWaitMs over 60000, negative, fractional or not a number, or an unknown field: bad-request naming the field', () => {
    expect(parseSelfTestRequest(new Map())).toEqual({ keypadWaitMs: 0 });
    expect(parseSelfTestRequest(new Map([['keypadWaitMs', 60_000]]))).toEqual({ keypadWaitMs: 60_000 });
    for (const wait of [60_001, -1, 1.5, '500', null]) {
      expect(() => parseSelfTestRequest(new Map<string, unknown>([['keypadWaitMs', wait]]))).toThrow(expect.objectContaining({ code: 'bad-request', message: expect.stringMatching(/^keypadWaitMs/) }));
    }
    expect(() => parseSelfTestRequest(new Map([['keypad', true]]))).toThrow(expect.objectContaining({ code: 'bad-request', message: expect.stringMatching(/^keypad: unknown field/) }));
  });
});
