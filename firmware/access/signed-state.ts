// The signed state the owner sends the lock, kept and checked here: the revocation list (only moves
// forward, enforced as soon as it verifies, then made durable), the heartbeat (time and the list's
// sequence; it confirms the wall clock), and remote commands (fresh, bound to this lock, nonces kept
// durably). The access core (core.ts) decides with what this holds.
import type { AccessStore, SnapshotName } from '../store/store.js';
import type { TypedEmitter } from '../util/typed-emitter.js';
import type { CommandReason } from '../reasons.js';
import type { AccessConfig, AccessEvents, UpdateRefusal, UpdateResult } from './decision.js';
import type { Ed25519Verifier } from './ed25519.js';
import { type Command, type Heartbeat, type OpenRefusal, openSigned, parseCommand, parseHeartbeat, parseRevocations, TYP } from './messages.js';
import { MAX_REVOCATION_ENTRIES, revocationEntries, revocationLimits } from './revocation-limits.js';
import { RevocationState } from './revocations.js';
import type { TrustedTime } from './trusted-time.js';

export interface SignedStateContext {
  config: AccessConfig;
  verifier: Ed25519Verifier;
  isOwner(key: Uint8Array): boolean;
  store: AccessStore;
  events: TypedEmitter<AccessEvents>;
  time: TrustedTime;
}

export class SignedState {
  /** The revocation list in force. */
  revocations = RevocationState.empty();
  /** The list in force is on disk (false between enforcing a new one and its durable write). */
  private revocationsSaved = true;
  /** The last heartbeat accepted. */
  heartbeat: Heartbeat | null = null;
  /** Snapshots whose saved copy was damaged at boot and that the owner has not sent again since. */
  private readonly lost = new Set<SnapshotName>();

  constructor(private readonly ctx: SignedStateContext) {}

  /**
   * At boot: the saved list and heartbeat, verified again. A copy that no longer verifies, or a slot
   * that does not check beside it (a newer copy may be lost: the older one still applies, as what is
   * known), is returned as damage, and the snapshot counts as withheld until the owner sends it again.
   */
  loadSaved(): { file: string; reason: string }[] {
    const damage: { file: string; reason: string }[] = [];
    for (const name of ['revocations', 'heartbeat'] as const) {
      const { file, damaged } = this.ctx.store.snapshotSource(name);
      const saved = this.ctx.store.loadSnapshot(name);
      const result = saved && (name === 'revocations' ? this.applyRevocations(saved, false) : this.applyHeartbeat(saved, false));
      for (const f of damaged) damage.push({ file: f, reason: 'malformed' });
      if (result && !result.ok) damage.push({ file: file ?? `${name}.cose`, reason: result.reason });
      if (damage.some((d) => d.file.startsWith(`${name}.`))) this.lost.add(name);
    }
    return damage;
  }

  /** A saved list or heartbeat was damaged at boot and not sent again since: roles needing a recent list are refused, and the lock asks for the retained copies. */
  get withheld(): boolean {
    return this.lost.size > 0;
  }

  /** The saved revocation list was damaged at boot and not sent again since: what a lost newer list revoked is unknown. */
  get listLost(): boolean {
    return this.lost.has('revocations');
  }

  /** Apply an owner-signed revocation list; a lower sequence than the current one is refused. */
  applyRevocations(bytes: Uint8Array, persist = true): UpdateResult {
    const result = this.openOwnerSigned(bytes, TYP.revocations);
    if (!result.ok) return this.refuseList(result.reason);
    const list = parseRevocations(result.payload);
    if (!list) return this.refuseList('malformed');
    if (revocationEntries(list) > this.maxRevocations) return this.refuseList('too-large');
    if (list.aud !== this.ctx.config.lockId) return this.refuseList('wrong-lock');
    if (list.seq < this.revocations.seq) return this.refuseList('rollback');
    if (list.seq === this.revocations.seq && this.revocations.seq > 0 && this.revocationsSaved && !this.lost.has('revocations')) return { ok: true, seq: list.seq };
    // Enforced first, as soon as it verifies; then made durable (the snapshot). If that
    // fails the list stays enforced in memory and the caller does not acknowledge it, so it comes
    // again (and is saved then).
    if (list.seq > this.revocations.seq || this.revocations.seq === 0) {
      this.revocations = RevocationState.fromList(list);
      this.revocationsSaved = !persist;
      this.ctx.events.emit('revocations', { seq: list.seq, ...this.revocations.counts });
    }
    try {
      if (persist) this.ctx.store.saveSnapshot('revocations', bytes);
    } catch {
      return this.refuseList('store-failure');
    }
    this.revocationsSaved = true;
    if (persist) this.lost.delete('revocations');
    return { ok: true, seq: list.seq };
  }

  /** Apply an owner-signed heartbeat (time + the revocation sequence the owner has published). */
  applyHeartbeat(bytes: Uint8Array, persist = true): UpdateResult {
    const result = this.openOwnerSigned(bytes, TYP.heartbeat);
    if (!result.ok) return { ok: false, reason: result.reason };
    const beat = parseHeartbeat(result.payload);
    if (!beat) return { ok: false, reason: 'malformed' };
    if (beat.aud !== this.ctx.config.lockId) return { ok: false, reason: 'wrong-lock' };
    if (this.heartbeat && beat.time < this.heartbeat.time) return { ok: false, reason: 'rollback' };
    try {
      if (persist) this.ctx.store.saveSnapshot('heartbeat', bytes);
    } catch {
      return { ok: false, reason: 'store-failure' };
    }
    this.heartbeat = beat;
    this.ctx.store.raiseTimeFloor(beat.time * 1000);
    if (persist) this.ctx.time.confirm(beat.time * 1000);
    if (persist) this.lost.delete('heartbeat');
    return { ok: true, seq: beat.seq };
  }

  /** Verify an owner-signed remote command: this lock, fresh (at most 5 minutes long), never seen before. */
  verifyCommand(bytes: Uint8Array, seconds: number): { ok: true; command: Command } | { ok: false; reason: Exclude<CommandReason, 'rollback'> } {
    const result = this.openOwnerSigned(bytes, TYP.command);
    if (!result.ok) return { ok: false, reason: result.reason };
    const command = parseCommand(result.payload);
    if (!command || command.exp - command.iat > 300) return { ok: false, reason: 'malformed' };
    if (command.aud !== this.ctx.config.lockId) return { ok: false, reason: 'wrong-lock' };
    if (seconds - this.ctx.config.clockSkewS >= command.exp) return { ok: false, reason: 'expired' };
    if (seconds + this.ctx.config.clockSkewS < command.iat) return { ok: false, reason: 'not-yet-valid' };
    // Nonces are kept on stable storage until expiry plus skew, written before the command acts:
    // a command replayed after a restart (or redelivered after a power cut) is still refused.
    if (this.ctx.store.hasNonce(command.nonce)) return { ok: false, reason: 'replayed' };
    try {
      this.ctx.store.keepNonce(command.nonce, command.exp + this.ctx.config.clockSkewS, seconds);
    } catch {
      return { ok: false, reason: 'store-failure' };
    }
    return { ok: true, command };
  }

  private openOwnerSigned(bytes: Uint8Array, typ: (typeof TYP)[keyof typeof TYP]): { ok: true; payload: unknown } | { ok: false; reason: OpenRefusal | 'not-owner' } {
    const opened = openSigned(bytes, typ, this.ctx.verifier, typ === TYP.revocations ? revocationLimits(this.maxRevocations) : undefined);
    if (!opened.ok) return { ok: false, reason: opened.reason };
    if (!this.ctx.isOwner(opened.value.signer)) return { ok: false, reason: 'not-owner' };
    return { ok: true, payload: opened.value.payload };
  }

  get maxRevocations(): number {
    return this.ctx.config.maxRevocationEntries ?? MAX_REVOCATION_ENTRIES;
  }

  private refuseList(reason: UpdateRefusal): UpdateResult {
    this.ctx.events.emit('revocations-refused', { reason });
    return { ok: false, reason };
  }
}
