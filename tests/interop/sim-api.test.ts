// The simulator's control API from another process, as an app developer would use it: a phone with
// its own key gets the reader's challenge and presents a delegated grant with its proof; a replayed
// proof and a revoked holder are refused; junk, wrong types and oversize bodies get JSON errors
// and the simulator keeps running. The lock's decisions are read back as signed, verified events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegatedGrantId } from '../../firmware/access/grant-store.js';
import { mintGrant, mintRevocations, present, randomKey } from '../../tools/lib/mint.js';
import { type SimProcess, startSimProcess } from '../helpers/sim-process.js';
import { type SimWeb, simWeb } from '../helpers/sim-web.js';

const LOCK = 'api-door';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const owner = randomKey();
const manager = randomKey(); // a property manager the owner delegates residents to
const phoneKey = randomKey(); // the app under test's own key
const delegation = mintGrant(owner, { aud: LOCK, holderKey: manager.publicKey, delegation: { roles: ['resident'], maxUses: null, maxDepth: 0 } });
const cti = Uint8Array.from(randomBytes(16));
const grant = mintGrant(manager, { aud: LOCK, cti, role: 'resident', sub: 'app under test', holderKey: phoneKey.publicKey });
const id = hex(delegatedGrantId(owner.publicKey, manager.publicKey, cti));

let dir: string;
let sim: SimProcess;
let web: SimWeb;
let brokerUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-api-'));
  const access = { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [hex(owner.publicKey)], stateDir: join(dir, 'state') };
  writeFileSync(join(dir, 'lock.json'), JSON.stringify({ access }));
  sim = startSimProcess(['--config', join(dir, 'lock.json')]);
  web = await simWeb(sim);
  const line = await sim.waitFor((l) => l.includes('in-process broker at'), 'the broker address');
  brokerUrl = /(mqtt:\/\/\S+?);/.exec(line)![1]!;
}, 60_000);

afterAll(async () => {
  sim?.proc.kill('SIGINT');
  await sim?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** Tap, sign the challenge with the phone's key, present [delegation, grant]: the lock's decision. */
async function presentPhone(reuse?: string): Promise<{ access: Record<string, unknown>; presentation: string }> {
  const tap = await web.post('phone/tap');
  expect(tap.status).toBe(200);
  expect(tap.body.challenge).toMatch(/^[0-9a-f]{64}$/);
  const presentation = reuse ?? hex(present([delegation, grant], phoneKey, LOCK, Uint8Array.from(Buffer.from(tap.body.challenge, 'hex')), cti));
  const answer = await web.post('phone/present', { session: tap.body.session, presentation });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return { access: answer.body.access, presentation };
}

describe('the control API, from another process', () => {
  it('lets a phone with its own key answer the challenge and open the door; a replayed proof is refused', async () => {
    // The stream (Server-Sent Events), read as any client would: the decision arrives on it.
    const stream = new AbortController();
    const streamed = fetch(`${web.base}/api/stream`, { headers: { authorization: `Bearer ${web.token}` }, signal: stream.signal }).then(async (res) => {
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        const access = text.split('\n\n').find((m) => m.startsWith('event: event\n') && m.includes('"type":"access"') && m.includes(id));
        if (access) return { text, access: JSON.parse(access.slice(access.indexOf('data: ') + 6)) as { data: { allow: boolean }; signed: { ok: boolean } } };
      }
      throw new Error(`the stream ended without the access event:\n${text}`);
    });
    const first = await presentPhone();
    // A delegated grant's id is its identity (owner key, issuer key, cti): PROTOCOL §3.
    expect(first.access).toMatchObject({ via: 'reader', kind: 'phone', allow: true, reason: 'ok', grant: id, role: 'resident' });
    await web.waitForState((s) => s.world?.bolt.withdrawn === true && s.lock.state === 'unlocked', 'the bolt withdrawn');
    expect((await web.post('door/open')).body).toEqual({ ok: true });
    await web.waitForState((s) => s.world?.door.open === true, 'the door open');
    // The decision is on the stream as the lock's signed event, verified against its device key.
    await web.waitForEvent((e) => e.type === 'access' && e.data.grant === id && e.data.allow === true && e.signed?.ok === true, 'a signed access event for the phone');
    const { text, access } = await streamed;
    stream.abort();
    expect(text).toMatch(/^retry: \d+\nevent: history\n/);
    expect(text).toMatch(/\nevent: state\ndata: \{"run":/);
    expect(access).toMatchObject({ data: { allow: true }, signed: { ok: true } });
    expect((await web.post('door/close')).status).toBe(200);

    const replay = await presentPhone(first.presentation);
    expect(replay.access).toMatchObject({ allow: false, reason: 'challenge-replayed' });
  });

  it('refuses a revoked holder with revoked-holder', async () => {
    const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 4 });
    try {
      const list = mintRevocations(owner, { seq: 1, aud: LOCK, iat: Math.floor(Date.now() / 1000), holders: [phoneKey.publicKey] });
      await client.publishAsync(`locks/${LOCK}/revocations`, Buffer.from(list), { qos: 1, retain: true });
    } finally {
      await client.endAsync();
    }
    await web.waitForEvent((e) => e.type === 'revocations' && e.data.ok === true && e.data.seq === 1 && e.signed?.ok === true, 'the revocation list applied (its signed event)');
    const revoked = await presentPhone();
    expect(revoked.access).toMatchObject({ allow: false, reason: 'revoked-holder', role: 'resident' });
  });

  it('answers junk, wrong types, unknown routes and oversize bodies with JSON errors, and keeps running', async () => {
    const raw = (path: string, init: RequestInit = {}, token: string | null = web.token) =>
      fetch(`${web.base}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string; field?: string } } }));
    const json = { 'content-type': 'application/json' };
    expect(await raw('/api/state', {}, null)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(await raw('/api/state', {}, 'wrong')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(await raw('/api/battery', { method: 'POST', headers: json, body: '{"percent": 5' })).toMatchObject({ status: 400, body: { error: { code: 'bad-json' } } });
    expect(await raw('/api/battery', { method: 'POST', headers: json, body: '[1,2]' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request' } } });
    expect(await raw('/api/battery', { method: 'POST', headers: json, body: '{"percent": "full"}' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request', field: 'percent' } } });
    expect(await raw('/api/battery', { method: 'POST', headers: json, body: '{"percent": 50, "extra": 1}' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request' } } });
    expect(await raw('/api/battery', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'percent=5' })).toMatchObject({ status: 415, body: { error: { code: 'unsupported-media-type' } } });
    expect(await raw('/api/keypad/type', { method: 'POST', headers: json, body: '{"keys": "12X#"}' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request', field: 'keys' } } });
    expect(await raw('/api/no/such/thing', { method: 'POST', headers: json, body: '{}' })).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(await raw('/api/door/open')).toMatchObject({ status: 405, body: { error: { code: 'method-not-allowed' } } });
    expect(await raw('/api/phone/present', { method: 'POST', headers: json, body: JSON.stringify({ session: 'a'.repeat(32), presentation: 'zz' }) })).toMatchObject({ status: 400, body: { error: { code: 'bad-request', field: 'presentation' } } });
    expect(await raw('/api/phone/present', { method: 'POST', headers: json, body: JSON.stringify({ session: 'a'.repeat(32), presentation: '00' }) })).toMatchObject({ status: 409, body: { error: { code: 'unknown-session' } } });
    expect(await raw('/api/barcode', { method: 'POST', headers: json, body: '{"text": "x"}' })).toMatchObject({ status: 409, body: { error: { code: 'no-such-part' } } });
    expect(await raw('/api/demo/phone', { method: 'POST', headers: json, body: '{}' })).toMatchObject({ status: 409, body: { error: { code: 'no-demo' } } });
    // Oversize: declared, and streamed without a length.
    const big = JSON.stringify({ text: 'x'.repeat(200_000) });
    expect(await raw('/api/barcode', { method: 'POST', headers: json, body: big })).toMatchObject({ status: 413, body: { error: { code: 'too-large' } } });
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode('x'.repeat(8192))); c.close(); } });
    expect(await raw('/api/barcode', { method: 'POST', headers: json, body: chunks, duplex: 'half' } as RequestInit)).toMatchObject({ status: 413, body: { error: { code: 'too-large' } } });
    // Junk bytes presented by a real session: the lock refuses them as malformed, and decides again after.
    const tap = await web.post('phone/tap');
    const junk = await web.post('phone/present', { session: tap.body.session, presentation: hex(randomBytes(300)) });
    expect(junk.body.access).toMatchObject({ allow: false, reason: 'malformed' });
    const state = await web.get('state');
    expect(state.status).toBe(200);
    expect(state.body.lock.paired).toBe(true);
  });
});
