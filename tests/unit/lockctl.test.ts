// lockctl end to end: what it mints, the access core accepts; what it is given wrong, it names.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { MemoryStore } from '../../firmware/store/store.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { UsageError } from '../../tools/lib/args.js';
import { run } from '../../tools/lockctl.js';
import { fromHex as hex } from '../../firmware/util/hex.js';
import { ManualClock } from '../helpers/manual-clock.js';

const NOW = Date.parse('2026-06-01T10:00:00Z'); // Monday, 12:00 in Berlin
const dir = mkdtempSync(join(tmpdir(), 'lockctl-'));
const f = (name: string) => join(dir, name);

describe('lockctl', () => {
  it('keygen, delegate, grant, heartbeat and present make a chain the lock accepts', () => {
    for (const k of ['owner', 'carrier', 'courier']) run(['keygen', '--out', f(`${k}.key`)], NOW);
    const pub = (k: string) => run(['pubkey', '--key', f(`${k}.key`)], NOW);
    run(['delegate', '--key', f('owner.key'), '--lock', 'front-door', '--to', pub('carrier'), '--roles', 'delivery', '--uses', '1', '--until', '+1d', '--record', '--relock-within', '120', '--out', f('d.cose')], NOW);
    run(['grant', '--key', f('carrier.key'), '--lock', 'front-door', '--role', 'delivery', '--holder', pub('courier'), '--uses', '1', '--from', 'now', '--until', '+2h', '--schedule', 'Mon 08:00-18:00', '--record', '--relock-within', '90', '--out', f('g.cose')], NOW);
    const beat = run(['heartbeat', '--key', f('owner.key'), '--lock', 'front-door', '--seq', '0'], NOW);

    const challenge = new Uint8Array(32).fill(9);
    const random: RandomSource = { bytes: () => challenge, float: () => 0 };
    const clock = new ManualClock(NOW);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [hex(pub('owner'))] }, { clock, random, store: new MemoryStore() });
    expect(core.applyHeartbeat(hex(beat))).toEqual({ ok: true, seq: 0 });
    core.issueChallenge();
    const presentation = run(['present', '--key', f('courier.key'), '--lock', 'front-door', '--challenge', Buffer.from(challenge).toString('hex'), '--chain', `${f('d.cose')},${f('g.cose')}`], NOW);
    expect(core.decide(hex(presentation))).toMatchObject({ allow: true, grant: { role: 'delivery', chainLength: 2 }, obligations: { record: true, relockWithinS: 90 } });

    const report = run(['inspect', '--hex', presentation, '--lock', 'front-door', '--owner', pub('owner'), '--tz', 'Europe/Berlin', '--at', '2026-06-01T10:00:00Z'], NOW);
    expect(report).toContain('chain of 2');
    // A label names the holder in decisions, activity and Home Assistant.
    const labelled = run(['grant', '--key', f('owner.key'), '--lock', 'front-door', '--role', 'guest', '--holder', pub('courier'), '--label', 'UPS courier'], NOW);
    expect(run(['inspect', '--hex', labelled], NOW)).toContain('label "UPS courier"');
    expect(report).toContain('no problem found');
    const late = run(['inspect', f('g.cose'), '--at', '2026-06-02T10:00:00Z', '--tz', 'Europe/Berlin'], NOW);
    expect(late).toContain('expired at 2026-06-01 14:00:00 Europe/Berlin'); // in the zone given
    expect(late).toContain('outside its weekly windows');
  });

  it('code and pin-digest make what the lock checks', async () => {
    const { writeFileSync } = await import('node:fs');
    const { checkOfflineCode, pinDigest } = await import('../../firmware/keypad/codes.js');
    const secret = new Uint8Array(32).fill(7);
    writeFileSync(f('keypad.secret'), Buffer.from(secret).toString('hex'));
    const out = run(['code', '--secret-file', f('keypad.secret'), '--lock', 'front-door', '--class', '5', '--from', '2026-06-01T09:20:00Z'], NOW);
    const [code, note] = out.split('\n');
    expect(note).toBe('valid from 2026-06-01T09:00:00.000Z for 4 h, one use');
    expect(checkOfflineCode(secret, 'front-door', code!, Date.parse('2026-06-01T12:59:00Z'))).toMatchObject({ valid: true, singleUse: true });
    expect(checkOfflineCode(secret, 'front-door', code!, Date.parse('2026-06-01T13:00:00Z')).valid).toBe(false);
    expect(checkOfflineCode(secret, 'back-door', code!, Date.parse('2026-06-01T10:00:00Z')).valid).toBe(false);
    expect(run(['pin-digest', '--secret-file', f('keypad.secret'), '--pin', '482913'], NOW)).toBe(Buffer.from(pinDigest(secret, '482913')).toString('hex'));
    expect(() => run(['pin-digest', '--secret-file', f('keypad.secret'), '--pin', '12'], NOW)).toThrow(/--pin must be 4 to 8 digits/);
  });

  it('a parcel-box grant from tracking numbers opens for those parcels, once each, and for nothing else', async () => {
    const { writeFileSync } = await import('node:fs');
    const { normalizeTracking, trackingDigest } = await import('../../firmware/keypad/codes.js');
    const secret = new Uint8Array(32).fill(5);
    writeFileSync(f('box.secret'), Buffer.from(secret).toString('hex'));
    run(['keygen', '--out', f('box-owner.key')], NOW);
    const digest = run(['tracking-digest', '--secret-file', f('box.secret'), '--tracking', 'jd0146-0000-6281'], NOW);
    expect(digest).toBe(Buffer.from(trackingDigest(secret, normalizeTracking('JD014600006281')!)).toString('hex'));
    const grantHex = run(['grant', '--key', f('box-owner.key'), '--lock', 'box', '--role', 'delivery', '--secret-file', f('box.secret'), '--tracking', '1Z 999 AA1 0123 4567 84', '--tracking-digest', digest, '--until', '+7d'], NOW);
    const clock = new ManualClock(NOW);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'box', timeZone: 'Europe/Berlin', ownerKeys: [hex(run(['pubkey', '--key', f('box-owner.key')], NOW))], maxRevocationAgeS: {} }, { clock, random: { bytes: (n) => new Uint8Array(n), float: () => 0 }, store: new MemoryStore() });
    expect(core.storeGrant([hex(grantHex)])).toMatchObject({ ok: true });
    const scan = (text: string) => core.decideCredential(trackingDigest(secret, normalizeTracking(text)!), 'tracking');
    expect(scan('1Z999AA10123456784')).toMatchObject({ allow: true, grant: { role: 'delivery' }, obligations: { record: false } });
    expect(scan('1Z999AA10123456784')).toMatchObject({ allow: false, reason: 'uses-exhausted' });
    expect(scan('JD014600006281')).toMatchObject({ allow: true });
    expect(scan('JD014600006282')).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(() => run(['grant', '--key', f('box-owner.key'), '--lock', 'box', '--role', 'delivery', '--tracking', 'X'], NOW)).toThrow(/--secret-file is required/);
  });

  it.each([
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'admin', '--holder', '00'], /--role must be one of owner, resident, guest, service, delivery/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest'], /needs --holder PUBHEX .*, --pin-digest HEX .* or --tracking TEXT/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', 'abcd'], /--holder must be 32 bytes/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', '00'.repeat(32), '--schedule', 'Fri 18:00-09:00'], /must run forwards within one day/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', '00'.repeat(32), '--until', 'tomorrow'], /--until must be an ISO date-time/],
    [['delegate', '--key', f('owner.key'), '--lock', 'x', '--to', '00'.repeat(32), '--roles', 'owner'], /owner role cannot be delegated/],
    [['heartbeat', '--key', f('owner.key'), '--seq', '1'], /--lock is required/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', '00'.repeat(32), '--label', 'x'.repeat(65)], /--label must be 1-64 bytes/],
    [['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', '00'.repeat(32), '--label', 'a\tb'], /without control characters/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['grant', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => run(argv as string[], NOW)).toThrow(UsageError);
    expect(() => run(argv as string[], NOW)).toThrow(message);
  });
});

describe('lock config', () => {
  it('names the field of a bad access or mqtt section, and wants access for mqtt', async () => {
    const { parseLockConfig } = await import('../../firmware/config.js');
    const access = { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: ['ab'.repeat(32)], stateDir: '/tmp/x' };
    expect(parseLockConfig({ access }).access?.provider).toBe('sodium');
    expect(() => parseLockConfig({ access: { ...access, timeZone: 'Mars/Base' } })).toThrow(/access\.timeZone: must be an IANA time zone/);
    expect(() => parseLockConfig({ access: { ...access, ownerKeys: ['xyz'] } })).toThrow(/access\.ownerKeys\.0: must be 64 lowercase hex digits/);
    expect(() => parseLockConfig({ access, mqtt: { url: 'http://broker' } })).toThrow(/mqtt\.url: must start with mqtt:\/\/ or mqtts:\/\//);
    expect(() => parseLockConfig({ mqtt: { url: 'mqtts://broker:8883' } })).toThrow(/mqtt: needs the access section/);
    expect(() => parseLockConfig({ stateDir: '/var/lib/lock', pairing: { port: '/dev/ttyS0', mqtt: { url: 'mqtts://broker:8883' } } })).toThrow(/pairing\.mqtt\.url: Invalid key/); // the connection comes from pairing
    expect(parseLockConfig({ stateDir: '/var/lib/lock', pairing: { port: '/dev/ttyS0', mqtt: { homeAssistant: { modeControl: true } } } }).pairing?.mqtt).toEqual({ homeAssistant: { modeControl: true } });
    expect(parseLockConfig({ access, mqtt: { url: 'mqtts://broker:8883' } }).mqtt).toMatchObject({ protocolVersion: 5, outboxCap: 50_000 });
  });

  it('names the field of every other rule: lock id, unknown keys, the guess budget, pairing without a state directory', async () => {
    const { ConfigError, parseLockConfig } = await import('../../firmware/config.js');
    const access = { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: ['ab'.repeat(32)], stateDir: '/tmp/x' };
    const refusal = (raw: unknown) => {
      try {
        parseLockConfig(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as InstanceType<typeof ConfigError>).field;
      }
      throw new Error('accepted');
    };
    expect(refusal({ access: { ...access, lockId: 'front/door' } })).toBe('access.lockId'); // part of MQTT topics
    expect(refusal({ autoRelockMs: 30_000, colour: 'red' })).toBe('colour');
    expect(refusal({ keypad: { lockout: { wrongCodeLimit: 20, disableMs: 60_000, maxDisableMs: 3_600_000 } } })).toBe('keypad.lockout.wrongCodeLimit');
    expect(refusal({ pairing: { port: '/dev/ttyS0' } })).toBe('pairing');
  });
});
