// Home Assistant's lock and unlock commands (discovery, state and events are in ha-*.ts and
// home-assistant-bridge.ts). Home Assistant cannot sign, so its commands are plain JSON on their own
// topic: LOCK is always allowed; UNLOCK needs a keypad PIN of an owner or resident (configurable),
// checked as at the keypad on its own guess budget, every refused code answered alike, and refused in no-remote-unlock mode.
import type { LocalAccess } from '../local-access.js';
import type { Deadbolt } from '../lock/deadbolt.js';
import type { HaCommandReason } from '../reasons.js';

export interface HomeAssistantOptions {
  /** Unlock from Home Assistant needs a PIN (default true). */
  unlockNeedsCode: boolean;
}

export type HaCommandResult = { ok: true; action: 'lock' | 'unlock' } | { ok: false; action: 'lock' | 'unlock' | null; reason: HaCommandReason };

/**
 * A command from Home Assistant: `{"action": "LOCK"|"UNLOCK", "code": "..."|null}` or a bare LOCK/UNLOCK.
 * An unlock without a code, when one is needed, is refused as `code-required` (counts as no guess).
 */
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
    return result === 'started' || result === 'already' ? { ok: true, action: 'lock' } : { ok: false, action: 'lock', reason: result };
  }
  if (action !== 'UNLOCK') return { ok: false, action: null, reason: 'unknown-action' };
  if (!local) return { ok: false, action: 'unlock', reason: 'not-paired' };
  if (!o.unlockNeedsCode) {
    const result = local.remoteUnlock();
    return result.ok ? { ok: true, action: 'unlock' } : { ...result, action: 'unlock' };
  }
  if (typeof code !== 'string' || code === '') return { ok: false, action: 'unlock', reason: 'code-required' };
  const result = local.unlockWithCode(code);
  return result.ok ? { ok: true, action: 'unlock' } : { ...result, action: 'unlock' };
}
