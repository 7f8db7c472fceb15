// The vocabulary of local access (local-access.ts): what the door reports, what it is built from,
// and what remote commands and Home Assistant unlocks answer.
import type { BarcodeReader } from '../hal/ports/barcode-reader.js';
import type { Clock } from '../hal/ports/clock.js';
import type { CredentialReader } from '../hal/ports/credential-reader.js';
import type { Keypad } from '../hal/ports/keypad.js';
import type { StatusIndicator } from '../hal/ports/status-indicator.js';
import type { AccessCore, Decision } from './access/core.js';
import type { Role } from './access/grant.js';
import type { VisitSupervisor } from './camera/supervisor.js';
import type { EntryOptions } from './keypad/entry.js';
import type { LockoutConfig } from './keypad/lockout.js';
import type { Deadbolt } from './lock/deadbolt.js';
import type { Mode } from './modes.js';
import type { AccessReason, CommandReason, HaCommandReason } from './reasons.js';
import type { AccessStore } from './store/store.js';

export type AccessVia = 'keypad' | 'reader' | 'barcode' | 'remote';
export type LocalReason = AccessReason;

/** A decision at the door: the core's, or a refusal the door itself makes. */
export type DoorDecision = Omit<Decision, 'reason'> & { reason: LocalReason };

export interface AccessEvent {
  via: AccessVia;
  /** What was offered, never its value. */
  kind: 'pin' | 'offline-code' | 'phone' | 'tracking' | 'command';
  allow: boolean;
  reason: LocalReason;
  grant: string | null;
  role: Role | null;
  /** The grant's label claim, when it has one (never a code). */
  label?: string | null;
}

export interface LocalAccessEvents {
  access: AccessEvent;
  /** A lockout begins (`active`, for `forMs`) or ends; `via` names what entered the wrong codes. */
  lockout: { active: boolean; forMs: number; via: 'keypad' | 'barcode' | 'remote' };
  mode: { mode: Mode };
}

export interface LocalAccessOptions {
  core: AccessCore;
  store: AccessStore;
  deadbolt: Deadbolt;
  clock: Clock;
  keypad?: Keypad;
  reader?: CredentialReader;
  /** Parcel-box mode: tracking numbers scanned off parcels. */
  barcode?: BarcodeReader;
  status?: StatusIndicator;
  /** Obligations (camera first, relock deadline); without it an access that needs recording is refused. */
  supervisor?: VisitSupervisor;
  /** The per-lock keypad secret (set at pairing); without it every keypad code is refused. */
  keypadSecret: Uint8Array | null;
  lockout?: LockoutConfig;
  entry?: EntryOptions;
}

/** A signed remote command's outcome (`command` events). */
export type RemoteCommandResult = { ok: true; action: 'lock' | 'unlock' | 'set-mode' | 'acknowledge-damage' | 'reset-lockout' } | { ok: false; reason: CommandReason };
/** A Home Assistant unlock's outcome (`ha-command` events). */
export type RemoteUnlockResult = { ok: true; action: 'unlock' } | { ok: false; reason: HaCommandReason };

