// The conformance set of docs/PROTOCOL.md appendix C (tests/vectors/protocol, made by
// tools/gen-protocol-vectors.ts), run against the lock's own code: pushed messages through the
// same MQTT handlers the firmware uses (the verdict is read from the signed event they write),
// presentations through the access core, serial bytes through the framing and request parser.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { FrameDecoder } from '../../firmware/pairing/framing.js';
import { PAIRING_ERRORS, parseRequest } from '../../firmware/pairing/protocol.js';
import { parseSelfTestRequest } from '../../firmware/pairing/self-test.js';
import { COMMAND_REASONS, DECISION_REASONS, GRANT_STORE_REASONS, UPDATE_REASONS } from '../../firmware/reasons.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { syncHandlers } from '../../firmware/sync/service.js';
import { identityFromSeed } from '../../firmware/identity.js';
import type { Clock } from '../../hal/ports/clock.js';
import { readAttestation, readEvent } from '../../tools/lib/events.js';
import { generate, type Input, type ProtocolCase, type ProtocolFile } from '../../tools/gen-protocol-vectors.js';
import { ManualClock } from '../helpers/manual-clock.js';

const DIR = 'tests/vectors/protocol';
const files = Object.fromEntries(readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as ProtocolFile]));
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const temp = mkdtempSync(join(tmpdir(), 'protocol-vectors-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Verdict = ProtocolCase['expect'];
const TOPIC: Partial<Record<Input, 'grants' | 'revocations' | 'heartbeat' | 'commands'>> = { 'store-grant': 'grants', revocations: 'revocations', heartbeat: 'heartbeat', command: 'commands' };

/** A fresh lock as the file describes it; `give` hands it one message and returns its verdict. */
function lockFor(file: ProtocolFile, at: string, challenge?: string) {
  const now = Date.parse(at);
  const clock: Clock = new ManualClock(now);
  const random = { bytes: (n: number) => (challenge ? bytes(challenge) : new Uint8Array(n)), float: () => 0.5 };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: file.lock.lockId, timeZone: file.lock.timeZone, ownerKeys: file.lock.ownerKeys.map(bytes) }, { clock, random, store: new MemoryStore() });
  const outbox = new Outbox(mkdtempSync(join(temp, 'lock-')), identityFromSeed(new Uint8Array(32).fill(1)), clock, { lockId: file.lock.lockId, cap: 1000 });
  const handlers = syncHandlers(core, outbox, null);
  const device = bytes(file.lock.devicePublicKey);
  const give = (input: Input, message: Uint8Array): Verdict => {
    const topic = TOPIC[input];
    if (topic) {
      // A revocation list's outcome event is written after the acknowledgement: run that work too.
      const afterAck = handlers[topic]!(message);
      if (typeof afterAck === 'function') afterAck();
      const event = readEvent(outbox.pending().at(-1)!.bytes);
      if (!event.ok) throw new Error(`the lock's own event does not verify: ${event.reason}`);
      const d = event.event.details;
      return d.ok === true ? { verdict: 'accept', reason: 'ok' } : { verdict: 'refuse', reason: String(d.reason) };
    }
    if (input === 'present') {
      core.issueChallenge();
      const decision = core.decide(message);
      return { verdict: decision.allow ? 'accept' : 'refuse', reason: decision.reason };
    }
    if (input === 'event' || input === 'attestation') {
      const read = input === 'event' ? readEvent(message, device) : readAttestation(message, device);
      return read.ok ? { verdict: 'accept', reason: 'ok' } : { verdict: 'refuse', reason: read.reason };
    }
    return serialVerdict(message);
  };
  return { give, close: () => outbox.close() };
}

/** What the lock's serial side does with the bytes: drop them (and why), refuse with an error code, or accept. */
function serialVerdict(message: Uint8Array): Verdict {
  const payloads: Uint8Array[] = [];
  const decoder = new FrameDecoder((p) => payloads.push(p));
  decoder.push(message);
  const c = decoder.counters;
  if (payloads.length === 0) return { verdict: 'drop', reason: c.badCrc ? 'bad-crc' : c.badCobs ? 'bad-cobs' : c.oversize ? 'oversize' : 'empty' };
  const parsed = parseRequest(payloads[0]!);
  if (!parsed.ok) return parsed.id === null ? { verdict: 'drop', reason: parsed.code } : { verdict: 'refuse', reason: parsed.code };
  if (parsed.request.op === 'self-test') {
    try {
      parseSelfTestRequest(parsed.request.body);
    } catch (error) {
      return { verdict: 'refuse', reason: (error as { code: string }).code };
    }
  }
  return { verdict: 'accept', reason: 'ok' };
}

describe('protocol conformance vectors', () => {
  it('the committed files are what the generator makes', () => {
    const made = generate();
    expect(Object.keys(files).sort()).toEqual(Object.keys(made).sort());
    for (const [name, file] of Object.entries(made)) expect(files[name], name).toEqual(JSON.parse(JSON.stringify(file)));
  });

  it('every refusal is a documented reason of its input (PROTOCOL.md §8, §14, appendix C)', () => {
    const allowed: Record<Input, readonly string[]> = {
      'store-grant': GRANT_STORE_REASONS, present: DECISION_REASONS, revocations: UPDATE_REASONS, heartbeat: UPDATE_REASONS, command: COMMAND_REASONS,
      event: ['wrong-device', 'bad-signature', 'wrong-type', 'malformed', 'too-large', 'unsupported-alg'], attestation: ['wrong-device', 'bad-signature', 'wrong-type', 'malformed', 'too-large', 'unsupported-alg'],
      serial: [...PAIRING_ERRORS, 'bad-crc', 'bad-cobs', 'oversize', 'empty'],
    };
    for (const file of Object.values(files)) for (const v of file.cases) if (v.expect.verdict !== 'accept') expect(allowed[v.input], v.id).toContain(v.expect.reason);
    const inputs = new Set(Object.values(files).flatMap((f) => f.cases.map((v) => v.input)));
    expect([...inputs].sort()).toEqual(Object.keys(allowed).sort()); // every message type has its cases
  });

  for (const [name, file] of Object.entries(files)) {
    describe(name, () => {
      for (const v of file.cases) {
        it(`${v.id}: ${v.comment}`, () => {
          const lock = lockFor(file, v.at, v.challenge);
          try {
            for (const [i, b] of (v.before ?? []).entries()) expect(lock.give(b.input, bytes(b.hex)), `before ${i}`).toEqual({ verdict: 'accept', reason: 'ok' });
            expect(lock.give(v.input, bytes(v.hex))).toEqual(v.expect);
          } finally {
            lock.close();
          }
        });
      }
    });
  }
});
