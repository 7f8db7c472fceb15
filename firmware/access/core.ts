// The access core: decides offline whether a presentation opens this door now, and why not.
// Untrusted bytes never throw out of here; every refusal is a reason from a closed set. A use is
// committed durably before an allow is returned. Revocation lists and heartbeats arrive signed
// by an owner key, bound to this lock, and only move forward.
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { type AccessStore, StoreError } from '../store/store.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { ChallengeBook } from './challenges.js';
import { effectiveObligations, type Link, VerifiedLinks, verifyChain } from './chain.js';
import { GrantStore, linkId } from './grant-store.js';
import { type FiledChain, UnverifiedGrants } from './unverified-grants.js';
import { checkTrustedKey, createVerifier, type Ed25519Provider, type Ed25519Verifier } from './ed25519.js';
import type { Claims, Role } from './grant.js';
import type { Command, Heartbeat } from './messages.js';
import { parsePresentation } from './messages.js';
import { type ProofAudience, proofAudience, provenChallenge } from './proof.js';
import { inSchedule } from './schedule.js';
import { SignedState } from './signed-state.js';
import { TrustedTime } from './trusted-time.js';
import { sameBytes } from '../util/bytes.js';
import { toHex as hex } from '../util/hex.js';
import { type CommandReason, type GrantStoreReason, KeyFault } from '../reasons.js';
import {
  type AccessConfig, type AccessEvents, type Decision, type DecideOptions, type DenyReason, deny, type LinkRefusal, summary,
  trackingUseKey, type UpdateResult, type UseClaim,
} from './decision.js';

// Decisions, their config and events are declared in decision.ts; re-exported here for callers.
export {
  DEFAULT_ACCESS, DENY_REASONS, type AccessConfig, type AccessEvents, type Decision, type DecideOptions, type DenyReason,
  type GrantSummary, type UpdateRefusal, type UpdateResult, type UseClaim,
} from './decision.js';

/** The options of a decision called without any (shared: a default `{}` is an object per decision). */
const NO_OPTIONS: DecideOptions = Object.freeze({});

/** What the link checks can refuse when a grant is stored (its start and schedule are judged at use). */
type StoreRefusal = Exclude<LinkRefusal, 'outside-schedule' | 'not-yet-valid'>;

export class AccessCore {
  readonly events = new TypedEmitter<AccessEvents>();
  readonly challenges: ChallengeBook;
  /** Verified grants pushed to the lock (PIN and tracking grants, delegations). */
  private readonly held = new GrantStore();
  /** Stored grants read at boot, verified again after ready (verifyStoredGrants) or when a look-up needs one. */
  private readonly unverified: UnverifiedGrants;
  private readonly verifier: Ed25519Verifier;
  private readonly owners: readonly Uint8Array[];
  /** Is `key` one of the owner keys? Byte compares, no strings: it runs on every decision. */
  private readonly isOwner = (key: Uint8Array): boolean => {
    for (const owner of this.owners) if (sameBytes(owner, key)) return true;
    return false;
  };
  private readonly time: TrustedTime;
  /** The revocation list and heartbeat in force, and remote-command checks (signed-state.ts). */
  private readonly signed: SignedState;
  private readonly verified = new VerifiedLinks();
  /** The lock id a holder proof must name, as text and bytes (proof.ts). */
  private readonly audience: ProofAudience;
  /** Exceptions caught at the boundary: a decoder bug on hostile bytes. Tests hold this at zero. */
  faults = 0;

  constructor(
    readonly config: AccessConfig,
    private readonly deps: { clock: Clock; random: RandomSource; store: AccessStore },
  ) {
    for (const key of config.ownerKeys) {
      const refusal = checkTrustedKey(key);
      if (refusal) throw new KeyFault(`owner key ${hex(key)} refused: ${refusal}`);
    }
    this.owners = config.ownerKeys.map((k) => Uint8Array.from(k));
    this.audience = proofAudience(config.lockId);
    this.verifier = createVerifier(config.provider, config.loadSodium);
    this.challenges = new ChallengeBook(deps.clock, deps.random);
    this.time = new TrustedTime(
      deps.clock,
      deps.store,
      { backToleranceMs: config.clockBackToleranceMs, forwardToleranceMs: config.clockForwardToleranceMs ?? 600_000 },
      ({ type, ...e }) => this.events.emit(type, e as never),
    );
    this.signed = new SignedState({ config, verifier: this.verifier, isOwner: this.isOwner, store: deps.store, events: this.events, time: this.time });
    // Persisted signed state is re-verified at boot, never trusted as bytes on disk. A copy that
    // no longer verifies, or a torn or damaged slot beside it, is damage: reported, and the roles
    // that need a recent list are refused until the owner's retained copy arrives again.
    this.damagedSnapshots.push(...this.signed.loadSaved());
    this.unverified = new UnverifiedGrants(() => deps.store.loadGrants());
  }

  /** The verified grants held (every stored grant verified again first). */
  get grants(): GrantStore {
    this.verifyStoredGrants();
    return this.held;
  }

  /** The lock lost its copy of the owner's retained list or heartbeat (damaged at boot) and has not had a new one since. */
  get needsRetainedState(): boolean {
    return this.signed.withheld;
  }

  /** Signed snapshots found damaged at boot (they no longer verify), for the owner's state-damaged event. */
  readonly damagedSnapshots: { file: string; reason: string }[] = [];

  /**
   * Verify up to `limit` of the stored grants read at boot, as if pushed now: what no longer
   * verifies (expired, revoked, damaged) is dropped from disk with a `grant-dropped` event.
   * Returns how many are still waiting.
   */
  verifyStoredGrants(limit = Number.POSITIVE_INFINITY): number {
    for (const filed of this.unverified.take(limit)) this.reverify(filed);
    return this.unverified.size;
  }

  /** Before a look-up: verify the waiting grants it could find (filed under `id`, or carrying `digests`). */
  private verifyWaiting(id: Uint8Array | null, digests: readonly Uint8Array[]): void {
    if (this.unverified.size === 0) return;
    if (id) {
      const filed = this.unverified.takeKey(hex(id));
      if (filed) this.reverify(filed);
    }
    for (const digest of digests) for (const filed of this.unverified.takeCarrying(digest)) this.reverify(filed);
  }

  private reverify([key, chain]: FiledChain): void {
    const result = this.store(chain, false, false);
    if (result.ok && result.id === key) return;
    try {
      // Kept under another id (stored by an older rule for grant ids): filed again under its id now.
      if (result.ok) this.deps.store.saveGrant(result.id, chain);
      this.deps.store.removeGrant(key);
    } catch {
      // Still on disk as it was: it is checked again at the next boot.
    }
    if (!result.ok) this.events.emit('grant-dropped', { id: key, reason: result.reason });
  }

  /** The Ed25519 provider in use (libsodium falls back to node:crypto where it cannot load). */
  get verifierProvider(): Ed25519Provider {
    return this.verifier.provider;
  }

  /** Why the configured provider is not the one in use, or null. */
  get verifierFallback(): string | null {
    return this.verifier.fallback ?? null;
  }

  get revocationSeq(): number {
    return this.signed.revocations.seq;
  }

  get lastHeartbeat(): Heartbeat | null {
    return this.signed.heartbeat;
  }

  /** Trusted time (ms): never below the persisted floor, never ahead by an unconfirmed jump (trusted-time.ts). */
  now(): number {
    return this.time.now();
  }

  /** While the wall clock is ahead by an unconfirmed jump, the links must pass at the wall clock's time too. */
  private checkAhead(links: readonly Link[], atUse: false): StoreRefusal | null;
  private checkAhead(links: readonly Link[]): LinkRefusal | null;
  private checkAhead(links: readonly Link[], atUse = true): LinkRefusal | null {
    const ahead = this.time.ahead();
    if (ahead === null) return null;
    return atUse ? this.checkLinks(links, ahead) : this.checkLinks(links, ahead, false);
  }

  issueChallenge(): Uint8Array {
    return this.challenges.issue();
  }

  /**
   * Decide on a credential entered at the lock (a PIN's or tracking number's keyed digest): the
   * stored grant carrying it, under the same rules as a presentation, without a proof. The look-up
   * is keyed by the digest (an HMAC: its timing says nothing about the code) and confirmed with a
   * constant-time comparison. Never throws.
   */
  decideCredential(digest: Uint8Array, kind: 'pin' | 'tracking', options: DecideOptions = NO_OPTIONS): Decision {
    try {
      this.verifyWaiting(null, [digest]);
      const stored = this.held.findByDigest(digest);
      const leaf = stored?.links.at(-1)!.claims;
      const match = leaf?.credential?.kind === kind && leaf.credential.digests.some((d) => d.length === digest.length && timingSafeEqual(d, digest));
      if (!stored || !leaf || !match) return deny('unknown-code');
      // From here the grant is known: a refusal names it, so the owner sees whose code it was.
      const grant = summary(stored.links);
      const now = this.now();
      const refusal = this.checkLinks(stored.links, now) ?? this.checkAhead(stored.links) ?? this.staleFor(leaf.role!, stored.links.length, now);
      if (refusal) return deny(refusal, grant);
      // A tracking number opens once, whatever the grant's own use limit.
      const id = linkId(stored.links);
      const uses: UseClaim[] = kind === 'tracking' ? [{ key: trackingUseKey(id, digest), max: 1 }] : [];
      if (leaf.maxUses !== null) uses.push({ key: id, max: leaf.maxUses });
      const spent = this.unproven(leaf, stored.links.length, uses) ?? this.spend(uses, options);
      if (spent) return deny(spent, grant);
      return {
        allow: true,
        reason: 'ok',
        grant,
        obligations: effectiveObligations(stored.links),
        uses: options.deferUses ? uses : [],
      };
    } catch (error) {
      if (error instanceof StoreError) return deny('store-failure');
      this.faults++;
      return deny('malformed');
    }
  }

  /** Decide on a presentation (chain + holder proof). Never throws. */
  decide(presentation: Uint8Array, options: DecideOptions = NO_OPTIONS): Decision {
    try {
      return this.decideUnsafe(presentation, options);
    } catch (error) {
      if (error instanceof StoreError) return deny('store-failure');
      this.faults++;
      return deny('malformed'); // a decoder fault on hostile bytes: refuse, keep running
    }
  }

  private decideUnsafe(bytes: Uint8Array, options: DecideOptions): Decision {
    const parsed = parsePresentation(bytes);
    if (!parsed.ok) return deny(parsed.reason);
    const chain = verifyChain(parsed.value.chain, this.isOwner, this.verifier, this.verified);
    if (!chain.ok) return deny(chain.reason);
    const links = chain.links;
    const leaf = links.at(-1)!.claims;
    // The chain verified: every later refusal names its grant and role.
    const grant = summary(links);
    const now = this.now();
    const refusal = this.checkLinks(links, now) ?? this.checkAhead(links) ?? this.staleFor(leaf.role!, links.length, now);
    if (refusal) return deny(refusal, grant);
    // A newer version may wait to be verified again: under its id, or (filed by an older id rule) carrying its cti.
    // If the grants file cannot be read, only the owner's own one-link grants go ahead.
    try {
      this.verifyWaiting(linkId(links), [leaf.cti]);
    } catch (error) {
      if (!(error instanceof StoreError) || leaf.role !== 'owner' || links.length !== 1) throw error;
    }
    if (this.held.supersedes(links)) return deny('grant-superseded', grant);

    if (!leaf.holderKey) return deny('holder-proof-missing', grant);
    // Signed by the leaf's holder key, for this lock, naming the leaf (proof.ts).
    const proven = provenChallenge(parsed.value.proof, this.verifier, leaf.holderKey, leaf.cti, this.audience);
    if (!proven) return deny('bad-proof', grant);
    const challenge = this.challenges.take(proven);
    if (challenge) return deny(challenge, grant);

    const id = linkId(links);
    const uses: UseClaim[] = leaf.maxUses !== null ? [{ key: id, max: leaf.maxUses }] : [];
    const spent = this.unproven(leaf, links.length, uses) ?? this.spend(uses, options);
    if (spent) return deny(spent, grant);
    return {
      allow: true,
      reason: 'ok',
      grant,
      obligations: effectiveObligations(links),
      uses: options.deferUses ? uses : [],
    };
  }

  /**
   * After damage that may have lost use records (store.usesUnprovenSince), a use-limited grant issued
   * before it cannot be proven unspent: refused until the owner re-issues it (a later `iat`) or
   * acknowledges the damage. The owner's own grants keep working: a bad SD card never locks them out.
   */
  private unproven(leaf: Claims, chainLength: number, uses: readonly UseClaim[]): 'uses-unproven' | null {
    if (uses.length === 0 || (leaf.role === 'owner' && chainLength === 1)) return null;
    const since = this.deps.store.usesUnprovenSince();
    if (since === null) return null;
    return leaf.iat !== null && leaf.iat * 1000 >= since ? null : 'uses-unproven';
  }

  /** Commit the uses now, or (deferred) only check that each has one left. */
  private spend(uses: readonly UseClaim[], options: DecideOptions): 'uses-exhausted' | null {
    const left = options.deferUses ? uses.every((u) => this.deps.store.usesOf(u.key) < u.max) : this.commitUses(uses);
    return left ? null : 'uses-exhausted';
  }

  /**
   * Durably record a deferred decision's uses, just before the bolt moves: false when one was used
   * up in the meantime. Throws StoreError when storage fails (the caller refuses).
   */
  commitUses(uses: readonly UseClaim[]): boolean {
    for (const u of uses) if (this.deps.store.usesOf(u.key) >= u.max) return false;
    for (const u of uses) if (!this.deps.store.commitUse(u.key, u.max)) return false;
    return true;
  }

  /**
   * Audience, validity period, schedule and revocation of every link. When a grant is stored
   * (`atUse` false) its start (`nbf`) and schedule wait for its use: tomorrow's guest PIN can be
   * pushed today.
   */
  private checkLinks(links: readonly Link[], now: number, atUse: false): StoreRefusal | null;
  private checkLinks(links: readonly Link[], now: number): LinkRefusal | null;
  private checkLinks(links: readonly Link[], now: number, atUse = true): LinkRefusal | null {
    const seconds = Math.floor(now / 1000);
    const skew = this.config.clockSkewS;
    for (let i = 0; i < links.length; i++) {
      const { claims, signer } = links[i]!;
      if (claims.aud !== this.config.lockId) return 'wrong-lock';
      if (atUse && claims.nbf !== null && seconds + skew < claims.nbf) return 'not-yet-valid';
      if (claims.exp !== null && seconds - skew >= claims.exp) return 'expired';
      if (atUse && claims.schedule && !inSchedule(claims.schedule, now, this.config.timeZone)) return 'outside-schedule';
      if (this.signed.revocations.grants.has(linkId(links, i))) return 'revoked-grant';
      if (!this.isOwner(signer) && this.signed.revocations.issuers.has(signer)) return 'revoked-issuer';
      if (claims.holderKey) {
        const set = claims.delegation ? this.signed.revocations.issuers : this.signed.revocations.holders;
        if (set.has(claims.holderKey)) return claims.delegation ? 'revoked-issuer' : 'revoked-holder';
      }
    }
    return null;
  }

  /** The freshness rule: a role with a maximum age needs a recent heartbeat and the list it names; every role needs the list not lost. */
  private staleFor(role: Role, chainLength: number, now: number): DenyReason | null {
    if (role === 'owner' && chainLength === 1) return null;
    // A damaged slot may have held a newer list: what it revoked is unknown, so no grant but the
    // owner's own opens until the owner's retained copy arrives again (fail safe, as uses-unproven).
    if (this.signed.listLost) return 'revocations-stale';
    const maxAge = role === 'owner' ? undefined : this.config.maxRevocationAgeS[role];
    if (maxAge === undefined) return null;
    const beat = this.signed.heartbeat;
    if (!beat || this.signed.withheld || now - beat.time * 1000 > maxAge * 1000 || beat.seq > this.signed.revocations.seq) return 'revocations-stale';
    return null;
  }

  /**
   * Verify and keep a grant pushed to the lock (a chain, root first): signatures, chain rules,
   * audience, not expired, not revoked. Schedules and uses are judged when it is used.
   */
  storeGrant(chain: Uint8Array[], persist = true): { ok: true; id: string } | { ok: false; reason: GrantStoreReason } {
    return this.store(chain, persist, true);
  }

  /** `waiting`: first verify the stored grants still waiting that admit compares against (not when verifying one of them). */
  private store(chain: Uint8Array[], persist: boolean, waiting: boolean): { ok: true; id: string } | { ok: false; reason: GrantStoreReason } {
    try {
      if (chain.length === 0) return { ok: false, reason: 'malformed' };
      if (chain.length > 3) return { ok: false, reason: 'chain-too-long' };
      const verified = verifyChain(chain, this.isOwner, this.verifier, this.verified);
      if (!verified.ok) return { ok: false, reason: verified.reason };
      const now = this.now();
      const refusal = this.checkLinks(verified.links, now, false) ?? this.checkAhead(verified.links, false);
      if (refusal) return { ok: false, reason: refusal };
      const grant = { chain, links: verified.links };
      const id = hex(linkId(verified.links));
      // What admit compares against (the version held under its id or cti, holders of its codes, the count) is verified first.
      const leaf = verified.links.at(-1)!.claims;
      if (waiting && this.held.size + this.unverified.size >= this.held.capacity) this.verifyStoredGrants();
      else if (waiting) this.verifyWaiting(linkId(verified.links), [leaf.cti, ...(leaf.credential?.digests ?? [])]);
      const kept = this.held.admit(grant);
      if (kept) return { ok: false, reason: kept };
      // On stable storage before the lock says it has it (and before the broker's PUBACK).
      if (persist) {
        try {
          this.deps.store.saveGrant(id, chain);
        } catch {
          return { ok: false, reason: 'store-failure' };
        }
      }
      this.held.add(grant);
      return { ok: true, id };
    } catch (error) {
      if (error instanceof StoreError) return { ok: false, reason: 'store-failure' }; // the grants file cannot be read
      this.faults++;
      return { ok: false, reason: 'malformed' };
    }
  }

  /** Apply an owner-signed revocation list; a lower sequence than the current one is refused. */
  applyRevocations(bytes: Uint8Array, persist = true): UpdateResult {
    return this.signed.applyRevocations(bytes, persist);
  }

  /** The list in force was saved but its outcome event may not be in the outbox (a power cut right after the PUBACK): its sequence, else null. */
  get unreportedRevocations(): number | null {
    return this.revocationSeq > 0 && !this.deps.store.snapshotReported('revocations') ? this.revocationSeq : null;
  }

  /** The outcome event of the list in force is in the outbox. */
  revocationsReported(): void {
    this.deps.store.markSnapshotReported('revocations');
  }

  /** Apply an owner-signed heartbeat (time + the revocation sequence the owner has published). */
  applyHeartbeat(bytes: Uint8Array, persist = true): UpdateResult {
    return this.signed.applyHeartbeat(bytes, persist);
  }

  /** Verify an owner-signed remote command: this lock, fresh (at most 5 minutes long), never seen before. */
  verifyCommand(bytes: Uint8Array): { ok: true; command: Command } | { ok: false; reason: Exclude<CommandReason, 'rollback'> } {
    return this.signed.verifyCommand(bytes, Math.floor(this.now() / 1000));
  }
}
