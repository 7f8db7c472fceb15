// The delivery fixture shared by the scenario and Mosquitto tests: the owner delegates delivery to
// a carrier's dispatch system, which grants one courier's phone one scheduled, recorded visit.
import type { SimPhone } from '../../sim/devices/credential-reader.js';
import { type ClaimsInput, type KeyPair, mintGrant, present, testKey } from '../../tools/lib/mint.js';
import type { SimLock } from './sim-lock.js';

export const LOCK = 'front-door';
export const ZONE = 'Europe/Berlin';
export const SECRET = new Uint8Array(32).fill(0x42);
export const owner = testKey('owner');
export const dispatch = testKey('carrier-dispatch');
export const courier = testKey('courier-phone');
export const MON_1000 = Date.parse('2026-06-01T08:00:00Z'); // Monday 10:00 in Berlin
export const WEEKDAYS_9_17 = [{ days: 0b0011111, start: 9 * 60, end: 17 * 60 }];
export const MON_10_12 = [{ days: 0b0000001, start: 10 * 60, end: 12 * 60 }];

/** Delivery settings the tests use (the defaults, with a shorter confirmation and post-roll). */
export const DELIVERY_CONFIG = { recordRoles: ['delivery' as const], cameraConfirmMs: 2_000, postRollMs: 10_000, relockWithinS: 300, relockAfterCloseMs: 3_000, relockIfUnopenedMs: 20_000 };

let next = 1;
export const grantId = () => new Uint8Array(16).fill(next++ & 0xff);

/** The owner's delegation to the carrier: delivery only, weekdays 9-17, leaf grants only. */
export function delegation(claims: Partial<ClaimsInput> = {}): Uint8Array {
  return mintGrant(owner, { aud: LOCK, cti: grantId(), holderKey: dispatch.publicKey, delegation: { roles: ['delivery'], maxUses: 5, maxDepth: 0 }, schedule: WEEKDAYS_9_17, ...claims });
}

/** The carrier's grant for one visit by one courier's phone: Monday 10-12, once, recorded, relocked within 120 s. */
export function visit(claims: Partial<ClaimsInput> = {}, parent = delegation()): { cti: Uint8Array; chain: Uint8Array[] } {
  const cti = grantId();
  const leaf = mintGrant(dispatch, { aud: LOCK, cti, role: 'delivery', holderKey: courier.publicKey, schedule: MON_10_12, maxUses: 1, obligations: { record: true, relockWithinS: 120 }, ...claims });
  return { cti, chain: [parent, leaf] };
}

/** A phone holding `grant` that signs the lock's challenge with `holder`'s key. */
export function phone(grant: { cti: Uint8Array; chain: Uint8Array[] }, holder: KeyPair = courier): SimPhone {
  return { respond: (challenge) => present(grant.chain, holder, LOCK, challenge, grant.cti) };
}

/** Advance simulated time 1 ms at a time, calling `check` after every step. */
export function watch(lock: SimLock, ms: number, check: () => void = () => {}): void {
  for (let i = 0; i < ms; i++) {
    lock.time.advance(1);
    check();
  }
}

/** A whole in-window delivery through the control API: tap, door open 20 s, door shut, relock, post-roll. */
export function runDelivery(lock: SimLock, check: () => void = () => {}, grant = visit()): void {
  lock.control.tapPhone(phone(grant));
  watch(lock, 2_300, check);
  if (lock.control.openDoor() !== null) throw new Error('the door did not open for the courier');
  watch(lock, 20_000, check);
  if (lock.control.closeDoor() !== null) throw new Error('the door did not shut');
  watch(lock, 16_000, check);
}

/** An event trail in words: the steps an owner's app shows for a delivery (bolt, door, access, delivery, alarm). */
export function trail(events: { type: string; data: Map<string, unknown> }[]): string[] {
  const word: Record<string, (d: Map<string, unknown>) => string> = {
    delivery: (d) => `delivery ${String(d.get('step'))}`,
    access: (d) => `access ${d.get('allow') ? 'allowed' : `refused ${String(d.get('reason'))}`}`,
    bolt: (d) => `bolt ${String(d.get('to'))}`,
    door: (d) => `door ${String(d.get('state'))}`,
    alarm: (d) => `alarm ${String(d.get('kind'))} ${d.get('active') ? 'raised' : 'cleared'}`,
  };
  return events.filter((e) => word[e.type]).map((e) => word[e.type]!(e.data));
}

/** What a complete, uneventful delivery looks like to the owner, in order. */
export const DELIVERY_TRAIL = [
  'delivery started',
  'delivery recording',
  'bolt unlocking',
  'access allowed',
  'bolt unlocked',
  'delivery unlocked',
  'door open',
  'door closed',
  'bolt locking',
  'bolt locked',
  'delivery relocked',
  'delivery completed',
];
