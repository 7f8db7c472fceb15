// docs/PROTOCOL.md's worked examples are real: the document holds exactly what the generator
// makes, and a lock configured as the document says accepts the courier's presentation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeScanned } from '../../firmware/access/cbor.js';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { normalizeTracking, trackingDigest } from '../../firmware/keypad/codes.js';
import { FrameDecoder } from '../../firmware/pairing/framing.js';
import { parseRequest } from '../../firmware/pairing/protocol.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { examplesMarkdown } from '../../tools/protocol-examples.js';
import { testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const doc = readFileSync('docs/PROTOCOL.md', 'utf8');
const section = doc.slice(doc.indexOf('<!-- examples:begin -->') + 24, doc.indexOf('<!-- examples:end -->') - 1);
const hexBlocks = [...section.matchAll(/hex:\n\n```\n([0-9a-f\n]+)```/g)].map((m) => Uint8Array.from(Buffer.from(m[1]!.replace(/\n/g, ''), 'hex')));

describe('docs/PROTOCOL.md worked examples', () => {
  it('are exactly what tools/protocol-examples.ts generates', () => {
    expect(section).toBe(examplesMarkdown());
  });

  it('give every key as its seed label, its seed and its public key: a reader can rebuild each one', () => {
    const keys = [...section.matchAll(/^ {2}([a-z-]+) +seed {3}([0-9a-f]{64})\n +public ([0-9a-f]{64})$/gm)];
    expect(keys.map((k) => k[1])).toEqual(['owner', 'carrier-dispatch', 'courier-phone', 'phone-anna']);
    for (const [, label, seed, pub] of keys) {
      expect(Buffer.from(seed!, 'hex').toString('ascii')).toBe(label!.padEnd(32, '.'));
      expect(Buffer.from(testKey(label!).publicKey).toString('hex')).toBe(pub);
    }
  });

  it('work on a lock set up as the document says', () => {
    expect(hexBlocks).toHaveLength(7);
    const [grant, , , revocations, heartbeat, command, presentation] = hexBlocks as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const owner = Uint8Array.from(Buffer.from(/owner {13}seed {3}[0-9a-f]{64}\n {20}public ([0-9a-f]{64})/.exec(section)![1]!, 'hex'));
    const clock = new ManualClock(Date.parse('2026-06-01T10:00:30Z')); // the command's minute first, then the delivery
    const challenge = new Uint8Array(32).fill(0x5c);
    const core = new AccessCore(
      { ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner] },
      { clock, random: { bytes: () => challenge, float: () => 0 }, store: new MemoryStore() },
    );
    expect(core.verifyCommand(command)).toMatchObject({ ok: true, command: { action: 'unlock' } });
    expect(core.verifyCommand(command)).toEqual({ ok: false, reason: 'replayed' });
    clock.set(Date.parse('2026-06-01T11:00:00Z'));
    expect(core.applyHeartbeat(heartbeat)).toEqual({ ok: true, seq: 42 });
    expect(core.applyRevocations(revocations)).toEqual({ ok: true, seq: 42 });
    core.issueChallenge();
    expect(core.decide(presentation)).toMatchObject({ allow: true, grant: { role: 'delivery', chainLength: 2 }, obligations: { record: true, relockWithinS: 90 } });
    expect(core.storeGrant([grant])).toEqual({ ok: false, reason: 'revoked-grant' }); // list 42 revokes Anna's grant
    expect(Array.isArray(decodeScanned(presentation))).toBe(true);
  });

  it('the tracking digest and the serial frame are what the lock computes and reads', () => {
    const digest = /digest:\n\n```\n([0-9a-f]{64})\n```/.exec(section)![1]!;
    expect(digest).toBe(Buffer.from(trackingDigest(new Uint8Array(32).fill(0x42), normalizeTracking('1z 999 aa1 0123 4567 84')!)).toString('hex'));
    const frame = Uint8Array.from(Buffer.from(/frame:\n\n```\n([0-9a-f]+)\n```/.exec(section)![1]!, 'hex'));
    const payloads: Uint8Array[] = [];
    new FrameDecoder((p) => payloads.push(p)).push(frame);
    expect(payloads).toHaveLength(1);
    expect(parseRequest(payloads[0]!)).toMatchObject({ ok: true, request: { v: 1, id: 7, op: 'info' } });
  });
});
