// The readable forms the lock publishes beside its signed events: activity entries made from the
// signed bytes, Home Assistant events from them, the refusal reason classes, and the lock state in
// Home Assistant's words. Signed with a real device key; no broker needed.
import { describe, expect, it } from 'vitest';
import { DENY_REASONS } from '../../firmware/access/core.js';
import { signMessage, TYP } from '../../firmware/access/messages.js';
import { activityOf } from '../../firmware/sync/activity.js';
import { haEventOf, reasonClass } from '../../firmware/sync/ha-events.js';
import { haLockState } from '../../firmware/sync/ha-state.js';
import { testKey } from '../../tools/lib/mint.js';

const device = testKey('device');
const AT = Date.parse('2026-06-01T08:00:02.300Z');
const event = (type: string, data: Record<string, unknown>, seq = 1) =>
  signMessage(device, TYP.event, new Map<number, unknown>([[1, 'front-door'], [2, seq], [3, Math.floor(AT / 1000)], [4, type], [5, new Map(Object.entries(data))], [6, AT % 1000]]));

describe('activity entries', () => {
  it('an allowed access names who and how, from the signed event alone', () => {
    const a = activityOf(event('access', { via: 'keypad', kind: 'pin', allow: true, reason: 'ok', grant: 'ab', role: 'resident', label: 'Anna' }, 7))!;
    expect(a).toMatchObject({ seq: 7, type: 'access', time: '2026-06-01T08:00:02.300Z', who: { label: 'Anna', role: 'resident', grant: 'ab' }, how: 'keypad', outcome: 'allowed' });
    expect(a.reason).toBeUndefined();
  });

  it('times in [seconds, ms] become ISO, bytes hex, and the thumb-turn and auto-relock are named', () => {
    const relocked = activityOf(event('delivery', { step: 'relocked', visit: 1, grant: 'cd', at: [Math.floor(AT / 1000), 300], late: false, id: Uint8Array.of(1, 2) }))!;
    expect(relocked.details).toMatchObject({ at: '2026-06-01T08:00:02.300Z', id: '0102' });
    expect(activityOf(event('bolt', { from: 'unlocked', to: 'locked', cause: 'manual' }))!.how).toBe('thumb-turn');
    expect(activityOf(event('bolt', { from: 'unlocked', to: 'locked', cause: 'auto-relock' }))!.how).toBe('auto');
    expect(activityOf(event('access', { via: 'barcode', kind: 'tracking', allow: false, reason: 'unknown-code' }))).toMatchObject({ how: 'parcel', outcome: 'refused', reason: 'unknown-code' });
  });

  it('bytes that are not a signed event give nothing, never a throw', () => {
    expect(activityOf(Uint8Array.of(0xff, 0x00))).toBeNull();
    expect(activityOf(signMessage(device, TYP.event, new Map<number, unknown>([[2, 'x']])))).toBeNull();
  });
});

describe('Home Assistant events', () => {
  it('a refusal carries a reason class that says nothing about which codes exist', () => {
    // Every refusal a code holder can cause reads "code": wrong, expired, out of window, revoked, or a role that may not unlock remotely.
    for (const reason of DENY_REASONS.filter((r) => r !== 'store-failure')) expect(reasonClass(reason), reason).toBe('code');
    expect(reasonClass('role-not-allowed')).toBe('code');
    expect(reasonClass('keypad-locked-out')).toBe('locked-out');
    expect(reasonClass('code-required')).toBe('code-required');
    expect(reasonClass('refused-by-mode')).toBe('mode');
    expect(reasonClass('store-failure')).toBe('unavailable');
    expect(reasonClass('door-open')).toBe('door');
    expect(reasonClass('recording-unavailable')).toBe('recording');
  });

  it('maps the event kinds the entity shows, and only those', () => {
    const ev = (type: string, data: Record<string, unknown>) => haEventOf(activityOf(event(type, data))!);
    expect(ev('access', { via: 'reader', kind: 'phone', allow: true, reason: 'ok', role: 'guest', label: 'Cleaner' })).toMatchObject({ event_type: 'unlocked', label: 'Cleaner', role: 'guest', method: 'phone' });
    expect(ev('access', { via: 'keypad', kind: 'pin', allow: false, reason: 'outside-schedule', role: 'guest' })).toMatchObject({ event_type: 'refused', reason: 'code', method: 'keypad' });
    // Home Assistant's own PIN unlock is reported once, from its command.
    expect(ev('access', { via: 'remote', kind: 'pin', allow: false, reason: 'unknown-code' })).toBeNull();
    expect(ev('ha-command', { ok: false, action: 'unlock', reason: 'unknown-code' })).toMatchObject({ event_type: 'unlock_refused', reason: 'code' });
    expect(ev('ha-command', { ok: false, action: 'lock', reason: 'door-open' })).toBeNull();
    expect(ev('bolt', { from: 'locking', to: 'locked', cause: 'auto-relock' })).toMatchObject({ event_type: 'locked', method: 'auto' });
    expect(ev('bolt', { from: 'locked', to: 'unlocking', cause: 'access' })).toBeNull();
    expect(ev('keypad-lockout', { active: true, forMs: 60_000 })).toMatchObject({ event_type: 'lockout', seconds: 60 });
    expect(ev('battery', { percent: 80 })).toBeNull();
  });
});

describe('the lock state in Home Assistant\'s words', () => {
  it('the bolt, None when unknown, JAMMED whenever a jam is active, never OPEN', () => {
    expect(haLockState('locked', [])).toBe('LOCKED');
    expect(haLockState('unlocking', ['door-ajar'])).toBe('UNLOCKING');
    expect(haLockState('unknown', ['bolt-sensor-fault'])).toBe('None');
    expect(haLockState('unlocked', ['jammed', 'forced-entry'])).toBe('JAMMED');
    expect(haLockState('jammed', [])).toBe('JAMMED');
  });
});
