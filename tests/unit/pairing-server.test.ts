// The pairing server over serialport's mock binding: real SerialLink driver, real framing, real
// installer handlers writing a real state directory. The clock is a manual one; the pair button a
// plain stand-in (the johnny-five button on the simulated board is exercised over the pty).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { identityFromSeed } from '../../firmware/identity.js';
import { encodeFrame, FrameDecoder } from '../../firmware/pairing/framing.js';
import { installerHandlers } from '../../firmware/pairing/installer.js';
import { readPaired } from '../../firmware/pairing/paired-state.js';
import { encodeDeterministic } from '../../firmware/access/cbor.js';
import { encodeRequest, type Op, parseReply, type Reply } from '../../firmware/pairing/protocol.js';
import { PairingServer } from '../../firmware/pairing/server.js';
import { OffsetClock } from '../../firmware/util/offset-clock.js';
import { wrapSerialPort } from '../../hal/node/serial-link.js';
import type { PairButton } from '../../hal/ports/pair-button.js';
import { testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitUntil } from '../helpers/wait.js';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const owner = testKey('owner');
const newOwner = testKey('new-owner');

class Button implements PairButton {
  private pressed = false;
  private readonly listeners = new Set<(p: boolean) => void>();
  set(pressed: boolean) {
    this.pressed = pressed;
    for (const l of this.listeners) l(pressed);
  }
  isPressed() {
    return this.pressed;
  }
  onChange(l: (p: boolean) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  close() {}
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  SerialPortMock.binding.reset();
});

let ports = 0;
async function rig(options: { selfTest?: () => Promise<Map<string, unknown>> } = {}) {
  const path = `/dev/mock-lock-${++ports}`;
  SerialPortMock.binding.createPort(path, { echo: false, record: true });
  const port = new SerialPortMock({ path, baudRate: 115200, autoOpen: false });
  const link = await wrapSerialPort(port);
  const clock = new ManualClock(NOW);
  const offset = new OffsetClock(clock);
  const button = new Button();
  const stateDir = mkdtempSync(join(tmpdir(), 'pairing-'));
  const identity = identityFromSeed(new Uint8Array(32).fill(7));
  const restarts: string[] = [];
  const handlers = installerHandlers({
    stateDir, identity, clock: offset, board: 'sim', firmwareVersion: '0.1.0',
    current: () => readPaired(stateDir), paired: () => readPaired(stateDir) !== null,
    restart: async (change) => {
      const after = change();
      restarts.push(after ? `paired ${after.access!.lockId}` : 'unpaired');
    },
    selfTest: options.selfTest ?? (async () => new Map([['ok', true]])),
  });
  const server = new PairingServer({ link, clock, pairButton: button, handlers });
  cleanups.push(() => server.close(), () => link.close());
  const replies: Reply[] = [];
  const decoder = new FrameDecoder((payload) => replies.push(parseReply(payload)!));
  let seen = 0;
  const binding = () => (port as unknown as { port: { emitData(b: Buffer): void; recording: Buffer } }).port;
  let sent = 0;
  let received = 0;
  port.on('data', (d: Buffer) => (received += d.length));
  /** Wait until the lock has read every byte sent and written `more` further replies (a condition, not a count of turns). */
  const flush = async (more = 0) => {
    const want = replies.length + more;
    await waitUntil(() => {
      const rec = binding().recording;
      decoder.push(rec.subarray(seen));
      seen = rec.length;
      return received >= sent && replies.length >= want;
    }, `the lock to read ${sent} bytes and write ${more} more repl${more === 1 ? 'y' : 'ies'}`, 10_000);
  };
  const sendBytes = async (bytes: Uint8Array, replies = 0) => {
    sent += bytes.length;
    const done = flush(replies);
    binding().emitData(Buffer.from(bytes));
    await done;
  };
  let nextId = 1;
  const ask = async (op: Op, body: Record<string, unknown> | Map<string, unknown> = new Map()) => {
    const id = nextId++;
    const before = replies.length;
    await sendBytes(encodeFrame(encodeRequest(id, op, body instanceof Map ? body : new Map(Object.entries(body)))), 1);
    expect(replies.length, `one reply to ${op}`).toBe(before + 1);
    const reply = replies.at(-1)!;
    expect(reply.id).toBe(id);
    return reply;
  };
  return { server, clock, offset, button, stateDir, identity, restarts, replies, ask, sendBytes, flush };
}

const pairBody = (o: Partial<Record<string, unknown>> = {}) =>
  new Map<string, unknown>(Object.entries({
    lockId: 'front-door', timeZone: 'Europe/Berlin', time: Math.floor(NOW / 1000) + 3600, ownerKeys: [owner.publicKey],
    keypadSecret: Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1), ...o,
  }));
const errorOf = (r: Reply) => (r.ok ? null : r.error);

describe('pairing server over the serialport mock binding', () => {
  it('info on an unpaired lock: protocol, board, device key, not paired', async () => {
    const r = await rig();
    const reply = await r.ask('info');
    expect(reply.ok).toBe(true);
    const body = (reply as Extract<Reply, { ok: true }>).body;
    expect(Object.fromEntries(body)).toMatchObject({ protocol: 1, board: 'sim', paired: false, lockId: null, pairingWindow: false });
    expect(body.get('devicePublicKey')).toEqual(r.identity.publicKey);
  });

  it('first pairing: writes the settings (secrets 0600), sets the clock, answers with a verifiable attestation', async () => {
    const r = await rig();
    const reply = await r.ask('pair', pairBody({ mqtt: new Map<string, unknown>([['url', 'mqtts://broker.example:8883'], ['username', 'front-door'], ['password', 's3cret'], ['protocolVersion', 5]]) }));
    expect(reply.ok).toBe(true);
    const body = (reply as Extract<Reply, { ok: true }>).body;
    const opened = openSigned(body.get('attestation') as Uint8Array, TYP.attestation, nodeVerifier());
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.value.signer).toEqual(r.identity.publicKey);
    const claims = opened.value.payload as Map<number, unknown>;
    expect(claims.get(1)).toBe('front-door');
    expect(claims.get(2)).toEqual([owner.publicKey]);
    expect(claims.get(3)).toBe(Math.floor(NOW / 1000) + 3600); // the installer's time, now the lock's
    expect(Math.floor(r.offset.now() / 1000)).toBe(Math.floor(NOW / 1000) + 3600);

    const paired = readPaired(r.stateDir)!;
    expect(paired.access).toMatchObject({ lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')] });
    expect(paired.mqtt).toMatchObject({ url: 'mqtts://broker.example:8883', username: 'front-door', protocolVersion: 5 });
    expect(readFileSync(paired.mqtt!.passwordFile!, 'utf8')).toBe('s3cret');
    for (const file of [paired.access!.keypadSecretFile!, paired.mqtt!.passwordFile!, join(r.stateDir, 'paired', 'config.json')]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(JSON.stringify(paired)).not.toContain('s3cret'); // the config names the file, never the secret
    expect(r.restarts).toEqual(['paired front-door']);
  });

  it('a pairing opens the window for the installer\'s next steps; set-time names a bad or unknown field', async () => {
    const r = await rig();
    expect((await r.ask('pair', pairBody())).ok).toBe(true);
    r.clock.advance(60_000);
    expect(errorOf(await r.ask('set-time', { time: 5 }))).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/time: must be seconds/) });
    expect(errorOf(await r.ask('set-time', { time: Math.floor(NOW / 1000), colour: 'red' }))).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/colour: unknown field/) });
    expect((await r.ask('set-time', { time: Math.floor(NOW / 1000) + 7200 })).ok).toBe(true);
  });

  it('pairing again keeps the lock\'s data for the same lock and owners, and starts afresh for a new owner', async () => {
    const r = await rig();
    const marker = () => join(r.stateDir, 'paired', 'data', 'marker');
    expect((await r.ask('pair', pairBody())).ok).toBe(true);
    mkdirSync(join(r.stateDir, 'paired', 'data'), { recursive: true });
    writeFileSync(marker(), 'uses, time floor, events');
    expect((await r.ask('pair', pairBody({ mqtt: new Map([['url', 'mqtt://broker.example']]) }))).ok).toBe(true); // a broker change
    expect(existsSync(marker())).toBe(true);
    expect((await r.ask('pair', pairBody({ ownerKeys: [newOwner.publicKey] }))).ok).toBe(true);
    expect(existsSync(marker())).toBe(false);
  });

  it('a paired lock refuses pair and set-time until its button is pressed; the window then closes again', async () => {
    const r = await rig();
    expect((await r.ask('pair', pairBody())).ok).toBe(true);
    r.clock.advance(121_000); // the window the pairing opened has closed
    const refused = await r.ask('pair', pairBody({ ownerKeys: [newOwner.publicKey] }));
    expect(errorOf(refused)).toMatchObject({ code: 'not-in-pairing-window', message: expect.stringMatching(/press its pair button/) });
    expect(errorOf(await r.ask('set-time', { time: Math.floor(NOW / 1000) }))).toMatchObject({ code: 'not-in-pairing-window' });
    expect(errorOf(await r.ask('self-test'))).toMatchObject({ code: 'not-in-pairing-window' });
    expect(readPaired(r.stateDir)!.access!.ownerKeys).toEqual([Buffer.from(owner.publicKey).toString('hex')]);

    r.button.set(true);
    r.button.set(false);
    r.clock.advance(60_000);
    expect((await r.ask('pair', pairBody({ ownerKeys: [newOwner.publicKey] }))).ok).toBe(true);
    expect(readPaired(r.stateDir)!.access!.ownerKeys).toEqual([Buffer.from(newOwner.publicKey).toString('hex')]);
    r.clock.advance(121_000);
    expect(errorOf(await r.ask('pair', pairBody()))).toMatchObject({ code: 'not-in-pairing-window' });
  });

  it('factory reset needs the button held for 5 s; then the lock is unpaired and its device key stays', async () => {
    const r = await rig();
    expect((await r.ask('pair', pairBody())).ok).toBe(true);
    expect(errorOf(await r.ask('factory-reset'))).toMatchObject({ code: 'button-not-held', message: expect.stringMatching(/hold the pair button/) });
    r.button.set(true);
    r.clock.advance(2_000);
    expect(errorOf(await r.ask('factory-reset'))).toMatchObject({ code: 'button-not-held' });
    r.clock.advance(3_000);
    expect(existsSync(join(r.stateDir, 'clock.json'))).toBe(true); // the installer's clock correction
    const reset = await r.ask('factory-reset');
    expect(reset.ok).toBe(true);
    expect(readPaired(r.stateDir)).toBeNull();
    expect(existsSync(join(r.stateDir, 'clock.json'))).toBe(false); // gone with the pairing
    expect(r.restarts).toEqual(['paired front-door', 'unpaired']);
    const info = await r.ask('info');
    expect((info as Extract<Reply, { ok: true }>).body.get('devicePublicKey')).toEqual(r.identity.publicKey);
    r.button.set(false);
  });

  it.each([
    ['lockId', { lockId: 'front/door' }, /lockId: 1-64 letters/],
    ['timeZone', { timeZone: 'Mars/Olympus' }, /timeZone: must be an IANA time zone/],
    ['time', { time: -5 }, /time: must be seconds/],
    ['ownerKeys', { ownerKeys: [] }, /ownerKeys: must be 1-8/],
    ['ownerKeys[0] small order', { ownerKeys: [new Uint8Array(32)] }, /ownerKeys\[0\]: refused as a trust anchor/],
    ['keypadSecret', { keypadSecret: new Uint8Array(32) }, /keypadSecret: is not random/],
    ['mqtt.url', { mqtt: new Map([['url', 'http://x']]) }, /mqtt.url: must start with mqtt/],
    ['unknown field', { colour: 'red' }, /colour: unknown field/],
    ['nine owner keys', { ownerKeys: Array.from({ length: 9 }, (_, i) => testKey(`owner-${i}`).publicKey) }, /ownerKeys: must be 1-8/],
    ['ownerKeys[0] length', { ownerKeys: [new Uint8Array(31).fill(9)] }, /ownerKeys\[0\]: must be a 32-byte/],
    ['keypadSecret length', { keypadSecret: Uint8Array.from({ length: 31 }, (_, i) => i + 1) }, /keypadSecret: must be 32 random bytes/],
    ['mqtt.ca', { mqtt: new Map([['url', 'mqtts://broker.example'], ['ca', 'not a certificate']]) }, /mqtt.ca: must be a PEM/],
  ])('a bad pair request (%s) is refused naming the field, and leaves the lock unpaired', async (_name, change, message) => {
    const r = await rig();
    const refused = await r.ask('pair', pairBody(change));
    expect(errorOf(refused)).toMatchObject({ code: 'bad-request', message: expect.stringMatching(message) });
    expect(readPaired(r.stateDir)).toBeNull();
    expect(r.restarts).toEqual([]);
  });

  it('wrong version and unknown op get typed errors; CBOR that is not a request is dropped and counted', async () => {
    const r = await rig();
    await r.sendBytes(encodeFrame(encodeDeterministic(new Map<string, unknown>([['v', 2], ['id', 9], ['op', 'info']]))), 1);
    expect(errorOf(r.replies.at(-1)!)).toMatchObject({ code: 'unsupported-version' });
    await r.sendBytes(encodeFrame(encodeDeterministic(new Map<string, unknown>([['v', 1], ['id', 10], ['op', 'format-disk']]))), 1);
    expect(errorOf(r.replies.at(-1)!)).toMatchObject({ code: 'unknown-op' });
    await r.sendBytes(encodeFrame(encodeDeterministic(new Map<string, unknown>([['v', 1], ['id', 11], ['op', 'info'], ['debug', true]]))), 1);
    expect(errorOf(r.replies.at(-1)!)).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/unknown field debug/) });
    const before = r.replies.length;
    await r.sendBytes(encodeFrame(Uint8Array.of(0xff, 0x00)));
    await r.sendBytes(encodeFrame(encodeDeterministic([1, 2, 3])));
    expect(r.replies.length).toBe(before);
    expect(r.server.counters).toMatchObject({ frames: 5, malformed: 2, requests: 3, refused: 3 });
  });

  it('junk, bad CRCs, oversize frames and a flood are dropped and counted; the next good request is answered', async () => {
    const r = await rig();
    const good = encodeFrame(encodeRequest(1, 'info'));
    const badCrc = Uint8Array.from(good);
    badCrc[3] = badCrc[3]! ^ 0x01;
    await r.sendBytes(Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 251 + 1)); // no delimiter: a flood
    await r.sendBytes(Uint8Array.of(0));
    await r.sendBytes(badCrc);
    await r.sendBytes(new Uint8Array(20_000).fill(0x41)); // far more than a frame may carry
    await r.sendBytes(Uint8Array.of(0));
    expect(r.replies).toEqual([]);
    expect((await r.ask('info')).ok).toBe(true);
    expect(r.server.counters).toMatchObject({ frames: 1, oversize: 1, requests: 1, badCrc: 1 });
    expect(r.server.counters.badCobs + r.server.counters.badCrc).toBe(2); // the flood, then the flipped bit
  });

  it('half a frame and then silence: dropped after the idle timeout, the line works again', async () => {
    const r = await rig();
    const frame = encodeFrame(encodeRequest(1, 'info'));
    await r.sendBytes(frame.subarray(0, 10));
    r.clock.advance(5_000);
    expect(r.server.counters.abandoned).toBe(1);
    expect((await r.ask('info')).ok).toBe(true);
  });

  it('one request at a time: a second one while the self-test runs is answered busy', async () => {
    let finish: (m: Map<string, unknown>) => void = () => {};
    const r = await rig({ selfTest: () => new Promise((resolve) => (finish = resolve)) });
    await r.sendBytes(encodeFrame(encodeRequest(1, 'self-test')));
    expect(r.replies).toEqual([]);
    await r.sendBytes(encodeFrame(encodeRequest(2, 'info')), 1);
    expect(r.replies.at(-1)).toMatchObject({ id: 2, ok: false, error: { code: 'busy' } });
    finish(new Map([['ok', true]]));
    await r.flush(1);
    expect(r.replies.at(-1)).toMatchObject({ id: 1, ok: true });
  });
});

describe('firmware version', () => {
  it('what the lock reports is what package.json says', async () => {
    const { FIRMWARE_VERSION } = await import('../../firmware/version.js');
    expect(FIRMWARE_VERSION).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});
