// The ways in at the door: keypad codes (PIN grants and offline codes), phone credentials on the
// reader (challenge, presentation, decision), and owner-signed remote commands, all subject to the
// operating mode and, for the keypad, the lockout. An allow moves the bolt; nothing here ever
// logs, emits or stores a code.
import type { Clock } from '../hal/ports/clock.js';
import type { CredentialReader, CredentialSession } from '../hal/ports/credential-reader.js';
import type { Keypad } from '../hal/ports/keypad.js';
import type { StatusIndicator } from '../hal/ports/status-indicator.js';
import type { AccessCore, Decision } from './access/core.js';
import type { Role } from './access/grant.js';
import { checkOfflineCode, OFFLINE_CODE_LENGTH, PIN_MAX, PIN_MIN, pinDigest } from './keypad/codes.js';
import { CodeEntry, DEFAULT_ENTRY, type EntryEvent, type EntryOptions } from './keypad/entry.js';
import { DEFAULT_LOCKOUT, Lockout, type LockoutConfig } from './keypad/lockout.js';
import type { Deadbolt } from './lock/deadbolt.js';
import { type Channel, isMode, type Mode, modeAllows, MODES } from './modes.js';
import { StoreError, type AccessStore } from './store/store.js';
import { TypedEmitter } from './util/typed-emitter.js';

export type AccessVia = 'keypad' | 'reader' | 'remote';
export type LocalReason = Decision['reason'] | 'keypad-locked-out' | 'refused-by-mode' | 'recording-unavailable' | 'not-paired' | 'role-not-allowed';

/** A decision at the door: the core's, or a refusal the door itself makes. */
type DoorDecision = Omit<Decision, 'reason'> & { reason: LocalReason };

export interface AccessEvent {
  via: AccessVia;
  /** What was offered, never its value. */
  kind: 'pin' | 'offline-code' | 'phone' | 'command';
  allow: boolean;
  reason: LocalReason;
  grant: string | null;
  role: Role | null;
}

export interface LocalAccessEvents {
  access: AccessEvent;
  lockout: { active: boolean; forMs: number };
  mode: { mode: Mode };
}

export interface LocalAccessOptions {
  core: AccessCore;
  store: AccessStore;
  deadbolt: Deadbolt;
  clock: Clock;
  keypad?: Keypad;
  reader?: CredentialReader;
  status?: StatusIndicator;
  /** The per-lock keypad secret (set at pairing); without it every keypad code is refused. */
  keypadSecret: Uint8Array | null;
  lockout?: LockoutConfig;
  entry?: EntryOptions;
}

export type CommandResult = { ok: true; action: string } | { ok: false; reason: string };

export class LocalAccess {
  readonly events = new TypedEmitter<LocalAccessEvents>();
  readonly lockout: Lockout;
  private current: Mode = 'normal';
  private readonly sessions = new Set<number>();

  constructor(private readonly o: LocalAccessOptions) {
    this.lockout = new Lockout(o.store, o.lockout ?? DEFAULT_LOCKOUT);
    const saved = o.store.getState('mode');
    if (saved && MODES[saved[0]!]) this.current = MODES[saved[0]!]!;
    if (o.keypad) new CodeEntry(o.keypad, o.clock, (e) => this.onEntry(e), o.entry ?? DEFAULT_ENTRY);
    o.reader?.onTap((session) => this.onTap(session));
    o.reader?.onPresentation((session, bytes) => this.onPresentation(session, bytes));
  }

  get mode(): Mode {
    return this.current;
  }

  /** Apply the persisted mode's effect on the bolt (passage keeps it open). Call after the deadbolt starts. */
  start(): void {
    if (this.current === 'passage') this.enterPassage();
  }

  /** An owner-signed remote command: lock, unlock, or set-mode. */
  applyCommand(bytes: Uint8Array): CommandResult {
    const verified = this.o.core.verifyCommand(bytes);
    if (!verified.ok) return verified;
    const { action, mode } = verified.command;
    if (action === 'set-mode') {
      if (!mode || !isMode(mode)) return { ok: false, reason: 'unknown-mode' };
      this.setMode(mode);
      return { ok: true, action };
    }
    if (action === 'unlock' && !modeAllows(this.current, 'remote-unlock', 'owner')) {
      this.report({ via: 'remote', kind: 'command', allow: false, reason: 'refused-by-mode', grant: null, role: 'owner' });
      return { ok: false, reason: 'refused-by-mode' };
    }
    const result = action === 'lock' ? this.o.deadbolt.lock('command') : this.o.deadbolt.unlock('command');
    if (action === 'unlock') this.report({ via: 'remote', kind: 'command', allow: true, reason: 'ok', grant: null, role: 'owner' });
    return result === 'started' || result === 'already' ? { ok: true, action } : { ok: false, reason: result };
  }

  /** A remote unlock without a code (Home Assistant configured so): owner-level, mode permitting. */
  remoteUnlock(): CommandResult {
    if (!modeAllows(this.current, 'remote-unlock', 'owner')) {
      this.report({ via: 'remote', kind: 'command', allow: false, reason: 'refused-by-mode', grant: null, role: 'owner' });
      return { ok: false, reason: 'refused-by-mode' };
    }
    this.o.deadbolt.unlock('command');
    this.report({ via: 'remote', kind: 'command', allow: true, reason: 'ok', grant: null, role: 'owner' });
    return { ok: true, action: 'unlock' };
  }

  /**
   * A remote unlock with a keypad PIN (Home Assistant): the PIN is judged exactly as at the keypad,
   * lockout included; only owner and resident PINs may unlock remotely, and only when the mode allows.
   */
  unlockWithCode(code: string): CommandResult {
    const now = this.o.core.now();
    const refuse = (reason: LocalReason, role: Role | null = null) => {
      this.report({ via: 'remote', kind: 'pin', allow: false, reason, grant: null, role });
      return { ok: false as const, reason };
    };
    if (this.lockout.remaining(now) > 0) return refuse('keypad-locked-out');
    const decision = this.pinDecision(code);
    if (!decision.allow) {
      if (decision.reason === 'unknown-code' && this.lockout.recordWrong(now) !== null) {
        this.events.emit('lockout', { active: true, forMs: this.lockout.remaining(now) });
      }
      return refuse(decision.reason);
    }
    const role = decision.grant!.role;
    if (role !== 'owner' && role !== 'resident') return refuse('role-not-allowed', role);
    if (!modeAllows(this.current, 'remote-unlock', role)) return refuse('refused-by-mode', role);
    if (decision.obligations.record) return refuse('recording-unavailable', role);
    this.lockout.recordSuccess();
    this.o.deadbolt.unlock('command');
    this.report({ via: 'remote', kind: 'pin', allow: true, reason: 'ok', grant: decision.grant!.id, role });
    return { ok: true, action: 'unlock' };
  }

  setMode(mode: Mode): void {
    const before = this.current;
    this.current = mode;
    this.o.store.putState('mode', Uint8Array.of(MODES.indexOf(mode)));
    if (before === 'passage' && mode !== 'passage') this.o.deadbolt.setAutoRelock(true);
    if (mode === 'passage') this.enterPassage();
    this.events.emit('mode', { mode });
  }

  private enterPassage(): void {
    this.o.deadbolt.setAutoRelock(false);
    this.o.deadbolt.unlock('command');
  }

  // ---- keypad ----

  private onEntry(event: EntryEvent): void {
    if (event.type === 'key') this.o.status?.show('key');
    if (event.type !== 'submit') return;
    const now = this.o.core.now();
    const left = this.lockout.remaining(now);
    if (left > 0) {
      this.o.status?.show('locked-out');
      this.report({ via: 'keypad', kind: 'pin', allow: false, reason: 'keypad-locked-out', grant: null, role: null });
      return;
    }
    const offline = event.code.length === OFFLINE_CODE_LENGTH;
    const decision = event.overflow ? unknown() : offline ? this.offlineDecision(event.code, now) : this.pinDecision(event.code);
    const kind = offline ? 'offline-code' : 'pin';
    const outcome = this.finish('keypad', kind, decision);
    if (outcome.allow) {
      this.lockout.recordSuccess();
      return;
    }
    if (decision.reason === 'unknown-code') {
      const lockedFor = this.lockout.recordWrong(now);
      if (lockedFor !== null) {
        this.events.emit('lockout', { active: true, forMs: lockedFor });
        this.o.status?.show('locked-out');
      }
    }
  }

  private pinDecision(code: string): DoorDecision {
    if (!this.o.keypadSecret) return refuse('not-paired');
    if (code.length < PIN_MIN || code.length > PIN_MAX) return unknown();
    return this.o.core.decideCredential(pinDigest(this.o.keypadSecret, code), 'pin');
  }

  private offlineDecision(code: string, now: number): DoorDecision {
    if (!this.o.keypadSecret) return refuse('not-paired');
    const check = checkOfflineCode(this.o.keypadSecret, this.o.core.config.lockId, code, now);
    if (!check.valid) return unknown();
    try {
      if (check.singleUse && !this.o.store.commitUse(check.useId, 1)) return refuse('uses-exhausted');
    } catch (error) {
      if (error instanceof StoreError) return refuse('store-failure');
      throw error;
    }
    return { allow: true, reason: 'ok', grant: { id: 'offline-code', role: 'guest', issuer: 'owner', chainLength: 0 }, obligations: { record: false, relockWithinS: null } };
  }

  // ---- phone credentials on the reader ----

  private onTap(session: CredentialSession): void {
    this.sessions.add(session.id);
    try {
      this.o.reader!.sendChallenge(session, this.o.core.issueChallenge());
    } catch {
      this.sessions.delete(session.id); // the phone left before it got the challenge
    }
  }

  private onPresentation(session: CredentialSession, bytes: Uint8Array): void {
    if (!this.sessions.delete(session.id)) return;
    this.finish('reader', 'phone', this.o.core.decide(bytes));
  }

  // ---- outcome ----

  /** Apply the mode and obligations to a decision, move the bolt on allow, report, signal. */
  private finish(via: Exclude<AccessVia, 'remote'>, kind: AccessEvent['kind'], decision: DoorDecision): { allow: boolean } {
    let reason: LocalReason = decision.reason;
    let allow = decision.allow;
    const role = decision.grant?.role ?? null;
    if (allow && role && !modeAllows(this.current, via as Channel, role)) {
      allow = false;
      reason = 'refused-by-mode';
    }
    if (allow && decision.obligations.record) {
      // Camera orchestration comes with delivery support: until then, never open without it.
      allow = false;
      reason = 'recording-unavailable';
    }
    if (allow) this.o.deadbolt.unlock('access');
    this.o.status?.show(allow ? 'accepted' : 'refused');
    this.report({ via, kind, allow, reason, grant: decision.grant?.id ?? null, role });
    return { allow };
  }

  private report(event: AccessEvent): void {
    this.events.emit('access', event);
  }
}

function refuse(reason: LocalReason): DoorDecision {
  return { allow: false, reason, grant: null, obligations: { record: false, relockWithinS: null } };
}

function unknown(): DoorDecision {
  return refuse('unknown-code');
}
