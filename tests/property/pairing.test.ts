// 100,000+ random and mutated frames into the pairing server: it never throws, never pairs a lock
// that may not be paired, answers every request it can read exactly once, and its counters add up
// to what was sent. The line is an in-memory SerialLink: this is about the server, not the driver.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDeterministic } from '../../firmware/access/cbor.js';
import { identityFromSeed } from '../../firmware/identity.js';
import { encodeFrame, FrameDecoder } from '../../firmware/pairing/framing.js';
import { installerHandlers } from '../../firmware/pairing/installer.js';
import { readPaired, writePaired } from '../../firmware/pairing/paired-state.js';
import { encodeRequest, OPS, parseReply } from '../../firmware/pairing/protocol.js';
import { PairingServer } from '../../firmware/pairing/server.js';
import { OffsetClock } from '../../firmware/util/offset-clock.js';
import type { SerialLink } from '../../hal/ports/serial-link.js';
import { testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitUntil } from '../helpers/wait.js';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const owner = testKey('owner');
const intruder = testKey('intruder');

function harness(paired: boolean) {
  const dataListeners: ((c: Uint8Array) => void)[] = [];
  const written: Uint8Array[] = [];
  const link: SerialLink = {
    write: async (bytes) => void written.push(bytes),
    onData: (l) => (dataListeners.push(l), () => {}),
    onClose: () => () => {},
    close: async () => {},
  };
  const clock = new ManualClock(NOW);
  const stateDir = mkdtempSync(join(tmpdir(), 'pairing-prop-'));
  if (paired) writePaired(stateDir, { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: new Uint8Array(32).map((_, i) => i + 1), mqtt: null });
  let changes = 0;
  const handlers = installerHandlers({
    stateDir, identity: identityFromSeed(new Uint8Array(32).fill(3)), clock: new OffsetClock(clock), board: 'sim', firmwareVersion: '0.1.0',
    current: () => readPaired(stateDir), paired: () => readPaired(stateDir) !== null,
    restart: async (change) => {
      changes++;
      change();
    },
    selfTest: async () => new Map([['ok', true]]),
  });
  const server = new PairingServer({ link, clock, handlers });
  const send = (bytes: Uint8Array) => {
    for (const l of dataListeners) l(bytes);
  };
  return { server, send, written, stateDir, changes: () => changes };
}

const validRequest = (id: number, op: number) =>
  encodeRequest(id, OPS[op % OPS.length]!, op % OPS.length === 1
    ? new Map<string, unknown>([['lockId', 'taken-over'], ['timeZone', 'UTC'], ['time', 1_800_000_000], ['ownerKeys', [intruder.publicKey]], ['keypadSecret', new Uint8Array(32).map((_, i) => 255 - i)]])
    : new Map());

/** One input: a valid request, the same with its CBOR mutated (CRC recomputed), a frame with a bit flipped, or raw junk. */
const input = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), id: fc.nat(1_000_000), op: fc.nat(4) }),
  fc.record({ kind: fc.constant('mutated' as const), id: fc.nat(1_000_000), op: fc.nat(4), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flipped' as const), id: fc.nat(1_000_000), op: fc.nat(4), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('junk' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

function bytesOf(i: Input): { bytes: Uint8Array } {
  if (i.kind === 'junk') return { bytes: Uint8Array.from([...i.bytes, 0]) };
  const payload = validRequest(i.id, i.op);
  if (i.kind === 'mutated') {
    const m = Uint8Array.from(payload);
    m[i.at % m.length] = i.byte;
    return { bytes: encodeFrame(m) };
  }
  const frame = encodeFrame(payload);
  if (i.kind === 'flipped') {
    const at = i.at % (frame.length - 1); // not the delimiter itself
    frame[at] = frame[at]! ^ (1 << i.bit);
    if (frame[at] === 0) frame[at] = (1 << i.bit) ^ (1 << ((i.bit + 1) % 8)); // a zero would end the frame: flip another bit too
  }
  return { bytes: frame };
}

describe('pairing server under 100,000+ random and mutated frames', () => {
  for (const paired of [true, false]) {
    it(`${paired ? 'a paired lock with its window closed' : 'an unpaired lock fed only damaged frames'}: never throws, never pairs, every readable request answered once, counters add up`, () => {
      const h = harness(paired);
      let delimiters = 0;
      const runs = paired ? 70_000 : 35_000;
      const arbitrary = paired ? input : input.filter((i) => i.kind === 'flipped' || i.kind === 'junk');
      fc.assert(
        fc.property(arbitrary, (i) => {
          const { bytes } = bytesOf(i);
          delimiters += bytes.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
          h.send(bytes);
        }),
        { numRuns: runs, seed: paired ? 7 : 11 },
      );
      const c = h.server.counters;
      // Every delimiter closed exactly one frame, and each frame was classified exactly once.
      expect(c.frames + c.badCobs + c.badCrc + c.oversize + c.empty).toBe(delimiters);
      expect(c.requests + c.malformed).toBe(c.frames);
      // One reply per request that could be answered (async handlers finish later): wait for them, then count.
      return Promise.resolve().then(async () => {
        const replies: unknown[] = [];
        const decoder = new FrameDecoder((p) => replies.push(parseReply(p)));
        let read = 0;
        await waitUntil(() => {
          for (; read < h.written.length; read++) decoder.push(h.written[read]!);
          return replies.length >= c.requests;
        }, `a reply to each of ${c.requests} requests`, 30_000);
        expect(replies.length).toBe(c.requests);
        expect(replies.every((r) => r !== null)).toBe(true);
        expect(h.changes()).toBe(0);
        const now = readPaired(h.stateDir);
        if (paired) expect(now?.access?.ownerKeys).toEqual([Buffer.from(owner.publicKey).toString('hex')]);
        else expect(now).toBeNull();
        if (paired) expect(c.refused).toBeGreaterThan(runs / 10); // the gate really was tried, pair requests included
      });
    }, 120_000);
  }

  it('the CBOR of a request with every byte position mutated: only typed errors or dropped frames, never a throw', () => {
    const h = harness(true);
    const payload = encodeDeterministic(new Map<string, unknown>([['v', 1], ['id', 5], ['op', 'pair'], ['body', new Map([['lockId', 'x']])]]));
    for (let at = 0; at < payload.length; at++) {
      for (let b = 0; b < 256; b++) {
        const m = Uint8Array.from(payload);
        m[at] = b;
        h.send(encodeFrame(m));
      }
    }
    expect(h.server.counters.frames).toBe(payload.length * 256);
    expect(h.changes()).toBe(0);
  });
});
