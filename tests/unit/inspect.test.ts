// `lockctl inspect` reads what the lock sends as well as what it receives: a signed event, the
// pairing attestation and installer frames are shown readably, checked against a device key.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signMessage, TYP } from '../../firmware/access/messages.js';
import { identityFromSeed } from '../../firmware/identity.js';
import { encodeFrame } from '../../firmware/pairing/framing.js';
import { encodeReply, encodeRequest } from '../../firmware/pairing/protocol.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { main, run } from '../../tools/lockctl.js';
import { testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const device = identityFromSeed(new Uint8Array(32).fill(7));
const other = identityFromSeed(new Uint8Array(32).fill(8));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function event(identity = device) {
  const outbox = new Outbox(mkdtempSync(join(tmpdir(), 'inspect-')), identity, new ManualClock(NOW + 250), { lockId: 'front-door', cap: 10 });
  outbox.append('delivery', new Map<string, unknown>([['step', 'unlocked'], ['visit', 3], ['grant', 'c1'.repeat(16)], ['at', [Math.floor(NOW / 1000), 250]]]), 'security');
  const bytes = outbox.pending()[0]!.bytes;
  outbox.close();
  return bytes;
}

describe('lockctl inspect, for what the lock sends', () => {
  it('a signed event: its contents in words, and whether the given device key made it', () => {
    const mine = run(['inspect', '--hex', hex(event()), '--device-key', hex(device.publicKey)], NOW);
    expect(mine).toContain('typ "lock-event"');
    expect(mine).toMatch(/#1 2026-06-01T08:00:00\.250Z delivery +step=unlocked visit=3 grant=(c1){16} at=2026-06-01T08:00:00\.250Z$/m);
    expect(mine).toContain('at=2026-06-01T08:00:00.250Z');
    expect(mine).toContain('signed by the device key given');
    expect(mine).toMatch(/no problem found/);
    const forged = run(['inspect', '--hex', hex(event(other)), '--device-key', hex(device.publicKey)], NOW);
    expect(forged).toMatch(/NOT signed by the device key given/);
    expect(forged).toMatch(/would refuse this: .*wrong-device/);
  });

  it('an attestation: lock, time, device and owner keys', () => {
    const owner = testKey('owner');
    const attestation = signMessage(device, TYP.attestation, new Map<number, unknown>([[1, 'front-door'], [2, [owner.publicKey]], [3, Math.floor(NOW / 1000)], [4, device.publicKey]]));
    const text = run(['inspect', '--hex', hex(attestation), '--device-key', hex(device.publicKey)], NOW);
    expect(text).toContain('attestation: lock "front-door" paired at 2026-06-01T08:00:00.000Z');
    expect(text).toContain(`owner key 1: ${hex(owner.publicKey)}`);
    expect(text).toContain('signed by the device key given');
  });

  it('serial frames and bare messages of the installer protocol, and a frame a lock would drop', () => {
    const request = encodeFrame(encodeRequest(7, 'self-test', new Map([['keypadWaitMs', 20_000]])));
    expect(run(['inspect', '--hex', hex(request)], NOW)).toMatch(/1 frame\(s\)\n {2}request id 7: self-test \{"keypadWaitMs":20000\}\nno problem found/);
    const reply = encodeReply({ v: 1, id: 7, ok: false, error: { code: 'bad-request', message: 'keypadWaitMs: must be an integer from 0 to 60000' } });
    expect(run(['inspect', '--hex', hex(reply)], NOW)).toMatch(/reply id 7: error bad-request: keypadWaitMs/);
    const broken = Uint8Array.from(request);
    broken[3] = broken[3]! ^ 0xff;
    expect(run(['inspect', '--hex', hex(broken)], NOW)).toMatch(/1 dropped \(bad COBS 0, bad CRC 1, oversize 0\)/);
  });

  it('watch without a broker URL or lock id is a usage error (exit 2), before any connection', async () => {
    for (const argv of [['watch', '--lock', 'front-door'], ['watch', '--url', 'http://x', '--lock', 'front-door'], ['watch', '--url', 'mqtt://127.0.0.1:1']]) {
      const out: string[] = [];
      expect(await main(argv, (l) => out.push(l))).toBe(2);
      expect(out.join('\n')).toMatch(/lockctl: watch needs --(url|lock)/);
    }
  });
});
