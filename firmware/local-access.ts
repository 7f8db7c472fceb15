// The ways in at the door: keypad codes (PIN grants and offline codes), phone credentials on the
// reader (challenge, presentation, decision), and owner-signed remote commands, all subject to the
// operating mode and, for the keypad, the lockout. An allow moves the bolt; nothing here ever
// logs, emits or stores a code.
import type { TimerHandle } from '../hal/ports/clock.js';
import type { CredentialSession } from '../hal/ports/credential-reader.js';
import type { Unsubscribe } from '../hal/ports/errors.js';
import type { Role } from './access/grant.js';
import { checkOfflineCode, normalizeTracking, OFFLINE_CODE_LENGTH, PIN_MAX, PIN_MIN, pinDigest, trackingDigest } from './keypad/codes.js';
import { CodeEntry, DEFAULT_ENTRY, type EntryEvent } from './keypad/entry.js';
import { DEFAULT_LOCKOUT, Lockout } from './keypad/lockout.js';
import { type Channel, isMode, type Mode, modeAllows, MODES } from './modes.js';
import { StoreError } from './store/store.js';
import { TypedEmitter } from './util/typed-emitter.js';
import type { HaCommandReason, VisitRefusal } from './reasons.js';

// The vocabulary (events, options, results) lives in local-access-types.ts; re-exported for callers.
export type { AccessEvent, AccessVia, LocalAccessEvents, LocalAccessOptions, LocalReason, RemoteCommandResult, RemoteUnlockResult } from './local-access-types.js';
import type { AccessEvent, AccessVia, DoorDecision, LocalAccessEvents, LocalAccessOptions, LocalReason, RemoteCommandResult, RemoteUnlockResult } from './local-access-types.js';

export class LocalAccess {
  readonly events = new TypedEmitter<LocalAccessEvents>();
  /** The keypad's guess budget; Home Assistant and the barcode reader have their own. */
  readonly lockout: Lockout;
  readonly remoteBudget: Lockout;
  readonly barcodeBudget: Lockout;
  private current: Mode = 'normal';
  private readonly sessions = new Set<number>();
  private readonly entry: CodeEntry | null;
  private readonly subscriptions: Unsubscribe[] = [];

  constructor(private readonly o: LocalAccessOptions) {
    this.lockout = new Lockout(o.store, o.lockout ?? DEFAULT_LOCKOUT, 'keypad');
    this.remoteBudget = new Lockout(o.store, o.lockout ?? DEFAULT_LOCKOUT, 'remote-budget');
    this.barcodeBudget = new Lockout(o.store, o.lockout ?? DEFAULT_LOCKOUT, 'barcode-budget');
    const saved = o.store.getState('mode');
    if (saved && MODES[saved[0]!]) this.current = MODES[saved[0]!]!;
    this.entry = o.keypad ? new CodeEntry(o.keypad, o.clock, (e) => this.onEntry(e), o.entry ?? DEFAULT_ENTRY) : null;
    if (o.reader) {
      this.subscriptions.push(
        o.reader.onTap((session) => this.onTap(session)),
        o.reader.onPresentation((session, bytes) => this.onPresentation(session, bytes)),
      );
    }
    if (o.barcode) this.subscriptions.push(o.barcode.onScan((text) => this.onScan(text)));
  }

  /** Stop listening to the keypad, the reader and the scanner. */
  close(): void {
    for (const timer of this.lockoutEnds.values()) timer.cancel();
    this.lockoutEnds.clear();
    this.entry?.close();
    for (const off of this.subscriptions.splice(0)) off();
  }

  get mode(): Mode {
    return this.current;
  }

  /** Apply the persisted mode's effect on the bolt (passage keeps it open). Call after the deadbolt starts. */
  start(): void {
    if (this.current === 'passage') this.enterPassage();
  }

  /** An owner-signed remote command: lock, unlock, or set-mode. */
  applyCommand(bytes: Uint8Array): RemoteCommandResult {
    const verified = this.o.core.verifyCommand(bytes);
    if (!verified.ok) return verified;
    const { action, mode } = verified.command;
    if (action === 'acknowledge-damage') {
      // The owner has seen the state-damaged event: uses count as proven again from here on.
      try {
        this.o.store.acknowledgeDamage();
      } catch {
        return { ok: false, reason: 'store-failure' };
      }
      return { ok: true, action };
    }
    if (action === 'set-mode') {
      if (!mode || !isMode(mode)) return { ok: false, reason: 'unknown-mode' };
      try {
        this.setMode(mode);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        return { ok: false, reason: 'store-failure' };
      }
      return { ok: true, action };
    }
    if (action === 'reset-lockout') {
      try {
        for (const budget of [this.lockout, this.remoteBudget, this.barcodeBudget]) budget.reset();
      } catch {
        return { ok: false, reason: 'store-failure' };
      }
      this.lockoutsOver();
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
  remoteUnlock(): RemoteUnlockResult {
    if (!modeAllows(this.current, 'remote-unlock', 'owner')) {
      this.report({ via: 'remote', kind: 'command', allow: false, reason: 'refused-by-mode', grant: null, role: 'owner' });
      return { ok: false, reason: 'refused-by-mode' };
    }
    const result = this.o.deadbolt.unlock('command');
    this.report({ via: 'remote', kind: 'command', allow: true, reason: 'ok', grant: null, role: 'owner' });
    return result === 'started' || result === 'already' ? { ok: true, action: 'unlock' } : { ok: false, reason: result };
  }

  /**
   * A remote unlock with a keypad PIN (Home Assistant): judged as at the keypad, on Home Assistant's
   * own guess budget (the network cannot lock the keypad out). Only owner and resident PINs unlock,
   * mode permitting. Every refusal of a code answers `code-refused`, so the answer says nothing
   * about which PINs exist; the precise reason goes only into the owner's signed access event.
   */
  unlockWithCode(code: string): RemoteUnlockResult {
    const now = this.o.core.now();
    if (this.current === 'no-remote-unlock') return this.refuseRemote('refused-by-mode', null, null, 'refused-by-mode');
    if (this.remoteBudget.remaining(now) > 0) return this.refuseRemote('keypad-locked-out', null, null, 'keypad-locked-out');
    const decision = this.pinDecision(code);
    const role = decision.grant?.role ?? null;
    const id = decision.grant?.id ?? null;
    const refusal: Exclude<LocalReason, 'ok'> | null = !decision.allow
      ? (decision.reason as Exclude<LocalReason, 'ok'>)
      : role !== 'owner' && role !== 'resident'
        ? 'role-not-allowed'
        : !modeAllows(this.current, 'remote-unlock', role)
          ? 'refused-by-mode'
          : // Nobody stands at the camera for a remote unlock: an access with obligations is refused here.
            decision.obligations.record || decision.obligations.relockWithinS !== null
            ? 'recording-unavailable'
            : this.commit(decision);
    if (refusal) {
      // Count before you tell, as at the keypad; a count that cannot be written is a storage failure.
      let lockedFor: number | null;
      try {
        lockedFor = this.remoteBudget.recordWrong(now);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        return this.refuseRemote('store-failure', role, id, 'store-failure');
      }
      const answer = this.refuseRemote(refusal, role, id, 'code-refused');
      if (lockedFor !== null) this.lockedOut('remote', lockedFor);
      return answer;
    }
    const result = this.o.deadbolt.unlock('command');
    this.report({ via: 'remote', kind: 'pin', allow: true, reason: 'ok', grant: id, role, label: decision.grant!.label ?? null });
    return result === 'started' || result === 'already' ? { ok: true, action: 'unlock' } : { ok: false, reason: result };
  }

  /** Report the precise reason to the owner (signed event); answer the caller with `answer`. */
  private refuseRemote(reason: Exclude<LocalReason, 'ok'>, role: Role | null, grant: string | null, answer: HaCommandReason): RemoteUnlockResult {
    this.report({ via: 'remote', kind: 'pin', allow: false, reason, grant, role });
    return { ok: false, reason: answer };
  }

  /** Persist, then apply, a mode. Throws StoreError (the mode stays as it was) when it cannot be written. */
  setMode(mode: Mode): void {
    const before = this.current;
    this.o.store.putState('mode', Uint8Array.of(MODES.indexOf(mode)));
    this.current = mode;
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
    this.judgeCode('keypad', offline ? 'offline-code' : 'pin', decision, now);
  }

  /** A code-like credential (keypad code, scanned tracking number): unknown ones spend the channel's budget; right ones reset nothing. */
  private judgeCode(via: 'keypad' | 'barcode', kind: AccessEvent['kind'], decision: DoorDecision, now: number): void {
    if (decision.allow) {
      this.finish(via, kind, decision);
      return;
    }
    // Count before you tell: a wrong code is on stable storage before any feedback (LED, buzzer,
    // log line, event), so cutting the power at the refusal beep does not dodge the lockout. A count
    // that cannot be written refuses the code as a storage failure (and tells nothing more).
    let lockedFor: number | null = null;
    if (decision.reason === 'unknown-code') {
      try {
        lockedFor = (via === 'keypad' ? this.lockout : this.barcodeBudget).recordWrong(now);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        this.finish(via, kind, refuse('store-failure'));
        return;
      }
    }
    this.finish(via, kind, decision);
    if (lockedFor !== null) {
      this.lockedOut(via, lockedFor);
      this.o.status?.show('locked-out');
    }
  }

  private readonly lockoutEnds = new Map<LocalAccessEvents['lockout']['via'], TimerHandle>();

  /** Say a lockout began, and say again when it is over. */
  /** A channel's lockout begins; its end is said too (each channel has its own budget and timer). */
  private lockedOut(via: LocalAccessEvents['lockout']['via'], forMs: number): void {
    this.events.emit('lockout', { active: true, forMs, via });
    this.lockoutEnds.get(via)?.cancel();
    this.lockoutEnds.set(
      via,
      this.o.clock.after(forMs, () => {
        this.lockoutEnds.delete(via);
        this.events.emit('lockout', { active: false, forMs: 0, via });
      }),
    );
  }

  /** The owner's reset ended every lockout under way: say so now (PROTOCOL.md §9), not when its timer would have. */
  private lockoutsOver(): void {
    for (const [via, timer] of [...this.lockoutEnds]) {
      timer.cancel();
      this.lockoutEnds.delete(via);
      this.events.emit('lockout', { active: false, forMs: 0, via });
    }
  }

  // ---- parcel box: tracking numbers from the barcode reader ----

  private onScan(text: string): void {
    const now = this.o.core.now();
    if (this.barcodeBudget.remaining(now) > 0) {
      this.o.status?.show('locked-out');
      this.report({ via: 'barcode', kind: 'tracking', allow: false, reason: 'keypad-locked-out', grant: null, role: null });
      return;
    }
    const code = normalizeTracking(text);
    const decision = !this.o.keypadSecret ? refuse('not-paired') : code === null ? unknown() : this.o.core.decideCredential(trackingDigest(this.o.keypadSecret, code), 'tracking', { deferUses: true });
    this.judgeCode('barcode', 'tracking', decision, now);
  }

  private pinDecision(code: string): DoorDecision {
    if (!this.o.keypadSecret) return refuse('not-paired');
    if (code.length < PIN_MIN || code.length > PIN_MAX) return unknown();
    return this.o.core.decideCredential(pinDigest(this.o.keypadSecret, code), 'pin', { deferUses: true });
  }

  private offlineDecision(code: string, now: number): DoorDecision {
    if (!this.o.keypadSecret) return refuse('not-paired');
    const check = checkOfflineCode(this.o.keypadSecret, this.o.core.config.lockId, code, now);
    if (!check.valid) return unknown();
    const uses = check.singleUse ? [{ key: check.useId, max: 1 }] : [];
    // Its id (§9): the code's use key, which the owner's app can compute for every code it issued.
    const grant = { id: Buffer.from(check.useId).toString('hex'), role: 'guest' as const, issuer: 'owner', chainLength: 0 };
    if (uses.some((u) => this.o.store.usesOf(u.key) >= u.max)) return { ...refuse('uses-exhausted'), grant };
    // After damage that may have lost use records, a single-use code issued before it cannot be proven unused.
    const since = this.o.store.usesUnprovenSince();
    if (check.singleUse && since !== null && check.startMs < since) return { ...refuse('uses-unproven'), grant };
    return { allow: true, reason: 'ok', grant, obligations: { record: false, relockWithinS: null }, uses };
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
    this.finish('reader', 'phone', this.o.core.decide(bytes, { deferUses: true }));
  }

  // ---- outcome ----

  /**
   * Apply the mode and obligations to a decision; on allow commit its uses and move the bolt (for a
   * supervised visit, only once the camera records); then report and signal.
   */
  private finish(via: Exclude<AccessVia, 'remote'>, kind: AccessEvent['kind'], decision: DoorDecision): void {
    const role = decision.grant?.role ?? null;
    const report = (allow: boolean, reason: LocalReason) => {
      this.o.status?.show(allow ? 'accepted' : 'refused');
      this.report({ via, kind, allow, reason, grant: decision.grant?.id ?? null, role, label: decision.grant?.label ?? null });
    };
    if (!decision.allow) return report(false, decision.reason);
    const grant = decision.grant!;
    const channel: Channel = via === 'barcode' ? 'barcode' : via;
    if (!modeAllows(this.current, channel, grant.role)) return report(false, 'refused-by-mode');
    const supervisor = this.o.supervisor;
    const needs = supervisor?.needs(grant, decision.obligations) ?? (decision.obligations.record ? { record: true, relockWithinS: null } : null);
    if (!needs) {
      const refusal = this.open(decision);
      return report(refusal === null, refusal ?? 'ok');
    }
    // A door held open on purpose (passage) cannot be relocked after a visit: supervised access waits for another mode.
    if (this.current === 'passage') return report(false, 'refused-by-mode');
    if (!supervisor) return report(false, 'recording-unavailable');
    this.o.status?.show('busy');
    supervisor.begin({ grant, via }, needs, () => this.open(decision), (outcome) => report(outcome.allow, outcome.allow ? 'ok' : outcome.reason));
  }

  /** Commit the decision's uses durably, then withdraw the bolt; the refusal when a use cannot be committed. */
  private open(decision: DoorDecision): VisitRefusal | null {
    const refusal = this.commit(decision);
    if (refusal) return refusal;
    this.o.deadbolt.unlock('access');
    return null;
  }

  private commit(decision: DoorDecision): 'uses-exhausted' | 'store-failure' | null {
    try {
      return this.o.core.commitUses(decision.uses ?? []) ? null : 'uses-exhausted';
    } catch (error) {
      if (error instanceof StoreError) return 'store-failure';
      throw error;
    }
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
