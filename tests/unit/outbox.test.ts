// The durable outbox and the device identity: nothing accepted is lost across restarts and torn
// writes, sequence numbers are never reused, events verify under the device key, the cap keeps
// security events and says how many were dropped.
import { appendFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeScanned } from '../../firmware/access/cbor.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { seededRandom } from '../../hal/node/random.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { ManualClock } from '../helpers/manual-clock.js';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0, 250));
const fresh = () => mkdtempSync(join(tmpdir(), 'outbox-'));
const open = (dir: string, cap = 100_000) => new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(1)), clock, { lockId: 'front-door', cap });
const data = (n: number) => new Map<string, unknown>([['n', n]]);

describe('device identity', () => {
  it('is made once, kept 0600, and the same after a restart', () => {
    const dir = fresh();
    const a = loadOrCreateIdentity(dir, seededRandom(1));
    const b = loadOrCreateIdentity(dir, seededRandom(99));
    expect(Buffer.compare(a.publicKey, b.publicKey)).toBe(0);
    expect(statSync(join(dir, 'device.key')).mode & 0o777).toBe(0o600);
    const message = Uint8Array.from([1, 2, 3]);
    expect(nodeVerifier().verify(a.publicKey, message, b.sign(message))).toBeNull();
  });
});

describe('outbox', () => {
  it('keeps undelivered events across a restart and never reuses a sequence number', () => {
    const dir = fresh();
    const a = open(dir);
    expect([a.append('door', data(1)), a.append('door', data(2)), a.append('alarm', data(3), 'security')]).toEqual([1, 2, 3]);
    a.ack(1);
    a.close();
    const b = open(dir);
    expect(b.pending().map((e) => e.seq)).toEqual([2, 3]);
    expect(b.append('door', data(4))).toBe(4);
    b.ack(2);
    b.ack(3);
    b.ack(4);
    b.close();
    const c = open(dir);
    expect(c.size).toBe(0);
    expect(c.next).toBe(5);
    c.close();
  });

  it('signs each event with the device key, in our COSE profile', () => {
    const dir = fresh();
    const box = open(dir);
    box.append('access', new Map<string, unknown>([['via', 'keypad'], ['allow', false]]), 'security');
    const opened = openSigned(box.pending()[0]!.bytes, TYP.event, nodeVerifier());
    if (!opened.ok) throw new Error(opened.reason);
    expect(Buffer.compare(opened.value.signer, loadOrCreateIdentity(dir, seededRandom(5)).publicKey)).toBe(0);
    const p = opened.value.payload as Map<number, unknown>;
    expect([p.get(1), p.get(2), p.get(3), p.get(4), p.get(6)]).toEqual(['front-door', 1, Date.UTC(2026, 5, 1, 12) / 1000, 'access', 250]);
    expect(decodeScanned(box.pending()[0]!.bytes)).toBeTruthy();
    box.close();
  });

  it('cuts a torn tail (power lost mid-write) and loses nothing that append returned', () => {
    const dir = fresh();
    const a = open(dir);
    for (let i = 0; i < 5; i++) a.append('door', data(i));
    a.close();
    appendFileSync(join(dir, 'outbox'), Buffer.from([0, 0, 1, 0, 1, 0, 0])); // a record cut short
    const b = open(dir);
    expect(b.tornBytes).toBe(7);
    expect(b.pending().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(b.append('door', data(6))).toBe(6);
    b.close();
  });

  it('an event the card cannot store: append throws, nothing is pending, and its number is given to the next one', () => {
    const dir = fresh();
    const storage = new FaultyStorage();
    const box = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(1)), clock, { lockId: 'front-door', cap: 100, storage });
    const first = box.append('battery', data(1));
    storage.failNth('write', /outbox$/, 1, { code: 'ENOSPC' });
    expect(() => box.append('battery', data(2))).toThrow();
    expect(box.pending().map((e) => e.seq)).toEqual([first]);
    expect(box.append('battery', data(3))).toBe(first + 1);
    box.close();
  });

  it('a compaction while events are pending keeps every one of them, with its priority, across a restart', () => {
    const dir = fresh();
    const box = open(dir);
    const pad = 'x'.repeat(900);
    const kept: { seq: number; priority: string }[] = [];
    for (let i = 0; i < 1500; i++) {
      const security = i % 300 === 7;
      const seq = box.append(security ? 'alarm' : 'battery', new Map<string, unknown>([['n', i], ['pad', pad]]), security ? 'security' : 'normal');
      if (i % 300 === 0 || security) kept.push({ seq, priority: security ? 'security' : 'normal' });
      else box.ack(seq);
    }
    expect(statSync(join(dir, 'outbox')).size).toBeLessThan(1024 * 1024); // compacted meanwhile
    expect(box.pending().map((e) => ({ seq: e.seq, priority: e.priority }))).toEqual(kept);
    box.close();
    expect(open(dir).pending().map((e) => ({ seq: e.seq, priority: e.priority }))).toEqual(kept);
  });

  it('at its cap drops a normal event before an older security event', () => {
    const box = open(fresh(), 4);
    const alarm = box.append('alarm', data(1), 'security'); // the oldest
    for (let i = 0; i < 5; i++) box.append('battery', data(i));
    expect(box.pending().map((e) => e.seq)).toContain(alarm);
    expect(box.dropped).toBeGreaterThan(0);
    box.close();
  });

  it('at its cap keeps security events, drops the oldest normal ones, and says how many', () => {
    const dir = fresh();
    const box = open(dir, 10);
    for (let i = 0; i < 6; i++) box.append('battery', data(i)); // seq 1-6 normal
    for (let i = 0; i < 4; i++) box.append('alarm', data(i), 'security'); // seq 7-10 security
    for (let i = 0; i < 5; i++) box.append('battery', data(i + 10)); // over the cap
    const pending = box.pending();
    expect(pending.length).toBeLessThanOrEqual(10);
    expect(pending.filter((e) => e.priority === 'security' && e.seq >= 7 && e.seq <= 10)).toHaveLength(4);
    const notices = pending.filter((e) => {
      const o = openSigned(e.bytes, TYP.event, nodeVerifier());
      return o.ok && (o.value.payload as Map<number, unknown>).get(4) === 'events-dropped';
    });
    expect(notices).toHaveLength(1);
    const count = (openSigned(notices[0]!.bytes, TYP.event, nodeVerifier()) as { ok: true; value: { payload: Map<number, Map<string, number>> } }).value.payload.get(5)!.get('count');
    expect(count).toBe(box.dropped);
    expect(box.dropped).toBeGreaterThanOrEqual(5);
    expect(pending.map((e) => e.seq)).toEqual([...pending.map((e) => e.seq)].sort((a, b) => a - b));
    box.close();
    const reopened = open(dir, 10);
    expect(reopened.pending().map((e) => e.seq)).toEqual(pending.map((e) => e.seq));
    expect(reopened.dropped).toBe(box.dropped);
    reopened.append('battery', data(99)); // one more drop after the restart: still a single notice
    const notices2 = reopened.pending().filter((e) => {
      const o = openSigned(e.bytes, TYP.event, nodeVerifier());
      return o.ok && (o.value.payload as Map<number, unknown>).get(4) === 'events-dropped';
    });
    expect(notices2).toHaveLength(1);
    expect(reopened.size).toBeLessThanOrEqual(10);
    reopened.close();
  });

  it('holds hundreds of events while offline, hands them over in order, each once, and compacts once all are delivered', () => {
    // 300 events of ~4 KiB: past the 1 MiB journal size that triggers compaction, with 3% of the
    // fsyncs of 10,000 small ones (volume is the bench's business; tests/interop/mqtt.test.ts moves 3,000 through a broker kill).
    const N = 300;
    const big = (n: number) => new Map<string, unknown>([['n', n], ['pad', 'x'.repeat(4096)]]);
    const dir = fresh();
    const box = open(dir);
    for (let i = 0; i < N; i++) box.append('door', big(i));
    box.close();
    const again = open(dir);
    const seqs = again.pending().map((e) => e.seq);
    expect(seqs).toHaveLength(N);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    for (const s of seqs) again.ack(s);
    expect(again.size).toBe(0);
    again.close();
    const last = open(dir);
    expect(last.size).toBe(0);
    expect(last.next).toBe(N + 1);
    expect(statSync(join(dir, 'outbox')).size).toBeLessThan(64); // compacted once everything was delivered
    last.close();
  }, 120_000);
});
