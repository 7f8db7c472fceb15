// What Home Assistant's `event` entity receives (`locks/<id>/ha/event`): one event per access,
// refusal, lock, keypad lockout or completed delivery, with who and how as attributes, and for a
// refusal only its reason class, so the dashboard can say why without becoming a PIN oracle.
import type { ActivityEntry } from './activity.js';

export const HA_EVENT_TYPES = ['unlocked', 'refused', 'unlock_refused', 'locked', 'lockout', 'delivery'] as const;
export type HaEventType = (typeof HA_EVENT_TYPES)[number];

/** Why, in a closed set coarse enough to say nothing about which codes exist. */
export type ReasonClass = 'code' | 'code-required' | 'locked-out' | 'mode' | 'door' | 'recording' | 'unavailable' | 'other';

/**
 * The one mapping from a refusal reason to its class. A wrong code, a right code of a role that may
 * not unlock remotely, or a code outside its window all read "code": Home Assistant users and anyone
 * else reading the topic learn no more than at the keypad.
 */
export function reasonClass(reason: string | null | undefined): ReasonClass {
  switch (reason) {
    case 'code-required':
      return 'code-required';
    case 'keypad-locked-out':
      return 'locked-out';
    case 'refused-by-mode':
      return 'mode';
    case 'door-open':
    case 'busy':
      return 'door';
    case 'recording-unavailable':
    case 'camera-failed':
    case 'camera-lost':
      return 'recording';
    case 'store-failure':
    case 'not-paired':
    case 'stopped':
      return 'unavailable';
    case undefined:
    case null:
    case 'unknown-action':
      return 'other';
    default:
      return 'code';
  }
}

export interface HaEvent {
  event_type: HaEventType;
  time: string;
  label?: string | null;
  role?: string | null;
  method?: string;
  reason?: ReasonClass;
  [attribute: string]: unknown;
}

/** The Home Assistant event for an activity entry, if it is one of the kinds the entity shows. */
export function haEventOf(a: ActivityEntry): HaEvent | null {
  const who = { label: a.who?.label ?? null, role: a.who?.role ?? null };
  const d = a.details;
  switch (a.type) {
    case 'access':
      // Home Assistant's own unlocks are reported once, as unlock_refused / unlocked from its command.
      if (d.via === 'remote' && d.kind === 'pin') return d.allow ? { event_type: 'unlocked', time: a.time, ...who, method: 'remote' } : null;
      return a.outcome === 'allowed' ? { event_type: 'unlocked', time: a.time, ...who, method: a.how } : { event_type: 'refused', time: a.time, ...who, method: a.how, reason: reasonClass(a.reason) };
    case 'ha-command':
      return d.ok || d.action !== 'unlock' ? null : { event_type: 'unlock_refused', time: a.time, method: 'remote', reason: reasonClass(a.reason) };
    case 'bolt':
      return d.to === 'locked' ? { event_type: 'locked', time: a.time, method: a.how } : null;
    case 'keypad-lockout':
      return d.active ? { event_type: 'lockout', time: a.time, method: 'keypad', seconds: typeof d.forMs === 'number' ? Math.ceil(d.forMs / 1000) : null } : null;
    case 'delivery':
      if (d.step !== 'completed') return null;
      return { event_type: 'delivery', time: a.time, ...who, method: a.how, unlocked_at: d.unlockedAt ?? null, relocked_at: d.relockedAt ?? null, late: d.late === true, camera_lost: d.cameraLost === true };
    default:
      return null;
  }
}
