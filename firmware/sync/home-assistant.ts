// Home Assistant MQTT discovery for the lock, its retained state, and Home Assistant's lock and
// unlock commands. Home Assistant cannot sign, so its commands are plain JSON on their own topic:
// LOCK is always allowed; UNLOCK needs a keypad PIN of an owner or resident (configurable), checked
// exactly as at the keypad, lockout included, and refused in no-remote-unlock mode.
import type { LocalAccess } from '../local-access.js';
import type { Deadbolt } from '../lock/deadbolt.js';
import type { HaCommandReason } from '../reasons.js';

export interface HomeAssistantOptions {
  lockId: string;
  name: string;
  /** Unlock from Home Assistant needs a PIN (default true). */
  unlockNeedsCode: boolean;
}

export const haTopics = (lockId: string) => ({
  discovery: `homeassistant/lock/${lockId}/config`,
  state: `locks/${lockId}/state`,
  command: `locks/${lockId}/ha/command`,
  status: `locks/${lockId}/status`,
});

/** The discovery payload (retained): a lock entity with availability, states and commands. */
export function discoveryConfig(o: HomeAssistantOptions): Record<string, unknown> {
  const t = haTopics(o.lockId);
  return {
    name: null,
    unique_id: `open-lock-${o.lockId}`,
    device: { identifiers: [`open-lock-${o.lockId}`], name: o.name, manufacturer: 'open lock firmware', model: 'deadbolt controller' },
    availability_topic: t.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    state_topic: t.state,
    value_template: "{{ 'OPEN' if value_json.door == 'open' else value_json.bolt | upper }}",
    state_locked: 'LOCKED',
    state_unlocked: 'UNLOCKED',
    state_locking: 'LOCKING',
    state_unlocking: 'UNLOCKING',
    state_jammed: 'JAMMED',
    state_open: 'OPEN',
    command_topic: t.command,
    payload_lock: 'LOCK',
    payload_unlock: 'UNLOCK',
    command_template: '{"action": "{{ value }}", "code": "{{ code }}"}',
    ...(o.unlockNeedsCode ? { code_format: '^\\d{4,8}$' } : {}),
    json_attributes_topic: t.state,
  };
}

/** The retained state: what the bolt and door are, the mode, battery and active alarms. */
export function lockState(deadbolt: Deadbolt, local: LocalAccess | null, battery: number | null, visitAlarms: Iterable<string> = []): Record<string, unknown> {
  return {
    bolt: deadbolt.current,
    door: deadbolt.doorState,
    mode: local?.mode ?? 'normal',
    battery,
    alarms: [...deadbolt.activeAlarms, ...visitAlarms],
  };
}

export type HaCommandResult = { ok: true; action: 'lock' | 'unlock' } | { ok: false; reason: HaCommandReason };

/** A command from Home Assistant: `{"action": "LOCK"|"UNLOCK", "code": "..."}` or a bare LOCK/UNLOCK. */
export function handleHaCommand(payload: Uint8Array, deadbolt: Deadbolt, local: LocalAccess | null, o: HomeAssistantOptions): HaCommandResult {
  let action: unknown;
  let code: unknown = '';
  const text = Buffer.from(payload).toString('utf8').slice(0, 256);
  try {
    const parsed = JSON.parse(text) as { action?: unknown; code?: unknown };
    action = parsed.action;
    code = parsed.code ?? '';
  } catch {
    action = text.trim();
  }
  if (action === 'LOCK') {
    const result = deadbolt.lock('command');
    return result === 'started' || result === 'already' ? { ok: true, action: 'lock' } : { ok: false, reason: result };
  }
  if (action !== 'UNLOCK') return { ok: false, reason: 'unknown-action' };
  if (!local) return { ok: false, reason: 'not-paired' };
  if (!o.unlockNeedsCode) {
    const result = local.remoteUnlock();
    return result.ok ? { ok: true, action: 'unlock' } : result;
  }
  const result = local.unlockWithCode(typeof code === 'string' ? code : '');
  return result.ok ? { ok: true, action: 'unlock' } : result;
}
