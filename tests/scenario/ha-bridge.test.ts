// The Home Assistant bridge on the simulated board and simulated time, with a recording stand-in for
// the MQTT link (the broker path is tests/interop/home-assistant*.test.ts): the retained state follows
// the keypad lockout to its end, names the last access by label, and stop() lets go of everything.
import { afterEach, describe, expect, it } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { createLogger } from '../../firmware/log.js';
import { attachHomeAssistant, type BridgeLink } from '../../firmware/sync/home-assistant-bridge.js';
import type { LinkEvents, LinkHandlers } from '../../firmware/sync/link.js';
import { TypedEmitter } from '../../firmware/util/typed-emitter.js';
import { mintGrant, mintHeartbeat } from '../../tools/lib/mint.js';
import { LOCK, MON_1000, owner, SECRET, ZONE } from '../helpers/delivery.js';
import { type SimLock, startSimLock } from '../helpers/sim-lock.js';

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

/** The link as the bridge sees it: connection events in, publishes recorded. */
function recordingLink() {
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  const link: BridgeLink = {
    events: new TypedEmitter<LinkEvents>(),
    publish: (topic, payload, retain = false) => {
      published.push({ topic, payload, retain });
      return Promise.resolve(true);
    },
  };
  const states = () => published.filter((p) => p.topic === `locks/${LOCK}/state`).map((p) => JSON.parse(p.payload) as Record<string, unknown>);
  return { link, published, states };
}

async function start() {
  lock = await startSimLock({ startMs: MON_1000, access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET } });
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(MON_1000 / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
  const r = recordingLink();
  const handlers = {} as LinkHandlers;
  const bridge = attachHomeAssistant({
    link: r.link, app: lock.app, battery: lock.ports.battery, lockId: LOCK, outbox: lock.outbox!, handlers, clock: lock.time.clock, log: createLogger({ level: 'silent' }),
  });
  r.link.events.emit('connected', { sessionPresent: false });
  return { l: lock, bridge, handlers, ...r };
}

const type = (l: SimLock, code: string) => l.time.advance(l.control.typeKeys(`${code}#`) + 1500);

describe('the Home Assistant bridge', () => {
  it('keypad lockout: on after the fifth wrong code, off again when it ends, with nothing else happening', async () => {
    const { l, states } = await start();
    for (let i = 0; i < 5; i++) type(l, `${9000 + i}`);
    expect(states().at(-1)).toMatchObject({ keypad_lockout: true });
    l.time.advance(60_000);
    expect(states().at(-1)).toMatchObject({ keypad_lockout: false });
  });

  it('the last access names the grant\'s label; refusals do not replace it', async () => {
    const { l, states } = await start();
    l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x61), role: 'guest', label: 'Cleaner', credential: { kind: 'pin', digests: [pinDigest(SECRET, '4711')] } })]);
    type(l, '4711');
    const allowed = states().at(-1)!.last_access;
    expect(allowed).toEqual({ time: expect.stringMatching(/^2026-06-01T08:00:\d\d\.\d{3}Z$/), label: 'Cleaner', role: 'guest', method: 'keypad' });
    type(l, '0000');
    expect(states().at(-1)!.last_access).toEqual(allowed);
  });

  it('stop() lets go: no more publishes, and the command handlers are gone', async () => {
    const { l, bridge, handlers, published, link } = await start();
    expect(handlers.haCommand).toBeTypeOf('function');
    bridge.stop();
    const before = published.length;
    l.app.deadbolt.unlock();
    l.time.advance(3_000);
    link.events.emit('connected', { sessionPresent: true });
    expect(published.length).toBe(before);
    expect(handlers.haCommand).toBeUndefined();
  });
});
