// The security rules as named one-line mutations, for `npm run mutate` (tools/mutate.ts): each
// removes or weakens one rule; the listed test files must then fail. `find` must occur exactly
// once in `file` (a stale entry is an error, not a pass).

export interface Mutation {
  id: string;
  file: string;
  find: string;
  replace: string;
  tests: string[];
}

const KEYPAD = ['tests/scenario/guess-budget.test.ts', 'tests/scenario/local-access.test.ts'];
const VECTORS = ['tests/vectors/grant-vectors.test.ts'];
const IDENTITY = ['tests/unit/grant-identity.test.ts'];
const CLOCK = ['tests/scenario/forward-clock.test.ts'];
const CORE = ['tests/unit/core-rules.test.ts'];
const UNPROVEN = ['tests/scenario/uses-unproven.test.ts'];
const CHAIN = ['tests/unit/chain-rules.test.ts'];
const JOURNAL = ['tests/unit/journal.test.ts'];
const FILESTORE = ['tests/unit/file-store-rules.test.ts'];
const PAIRING = ['tests/unit/pairing-server.test.ts'];

export const MUTATIONS: Mutation[] = [
  // ---- guess budgets (finding: a guest could guess the owner's PIN at full speed; HA lockout and oracle)
  { id: 'good-code-resets-keypad-budget', file: 'firmware/local-access.ts', find: `    if (decision.allow) {\n      this.finish(via, kind, decision);\n      return;`, replace: `    if (decision.allow) {\n      this.finish(via, kind, decision);\n      this.lockout.reset();\n      return;`, tests: KEYPAD },
  { id: 'no-sliding-window', file: 'firmware/keypad/lockout.ts', find: `    this.failures = this.failures.filter((t) => t > now - this.config.windowMs);`, replace: `    this.failures = this.failures.filter((t) => t > now - 60_000);`, tests: KEYPAD },
  { id: 'no-escalation', file: 'firmware/keypad/lockout.ts', find: `      this.level = Math.min(this.level + 1, 30);`, replace: `      this.level = 0;`, tests: KEYPAD },
  { id: 'escalation-never-forgotten', file: 'firmware/keypad/lockout.ts', find: `    this.level = Math.max(0, this.level - steps);`, replace: `    this.level = Math.max(0, this.level - 0 * steps);`, tests: KEYPAD },
  { id: 'lockout-not-persisted', file: 'firmware/keypad/lockout.ts', find: `    this.load(store.getState(stateName));`, replace: ``, tests: KEYPAD },
  { id: 'reset-lockout-command-ignored', file: 'firmware/local-access.ts', find: `      for (const budget of [this.lockout, this.remoteBudget, this.barcodeBudget]) budget.reset();`, replace: ``, tests: KEYPAD },
  { id: 'ha-shares-keypad-budget', file: 'firmware/local-access.ts', find: `        lockedFor = this.remoteBudget.recordWrong(now);`, replace: `        lockedFor = this.lockout.recordWrong(now);`, tests: KEYPAD },
  { id: 'ha-reason-oracle', file: 'firmware/local-access.ts', find: `      const answer = this.refuseRemote(refusal, role, id, 'code-refused');`, replace: `      const answer = this.refuseRemote(refusal, role, id, refusal);`, tests: KEYPAD },
  { id: 'ha-no-remote-unlock-after-code', file: 'firmware/local-access.ts', find: `    if (this.current === 'no-remote-unlock') return this.refuseRemote('refused-by-mode', null, null, 'refused-by-mode');`, replace: ``, tests: KEYPAD },
  { id: 'barcode-shares-keypad-budget', file: 'firmware/local-access.ts', find: `        lockedFor = (via === 'keypad' ? this.lockout : this.barcodeBudget).recordWrong(now);`, replace: `        lockedFor = this.lockout.recordWrong(now);`, tests: ['tests/scenario/delivery.test.ts'] },

  // ---- remote paths, modes, commit order (surviving removals)
  { id: 'code-less-unlock-ignores-mode', file: 'firmware/local-access.ts', find: `  remoteUnlock(): RemoteUnlockResult {\n    if (!modeAllows(this.current, 'remote-unlock', 'owner')) {`, replace: `  remoteUnlock(): RemoteUnlockResult {\n    if (false) {`, tests: KEYPAD },
  { id: 'command-reports-asked-not-done', file: 'firmware/local-access.ts', find: `    if (action === 'unlock') this.report({ via: 'remote', kind: 'command', allow: true, reason: 'ok', grant: null, role: 'owner' });\n    return result === 'started' || result === 'already' ? { ok: true, action } : { ok: false, reason: result };`, replace: `    if (action === 'unlock') this.report({ via: 'remote', kind: 'command', allow: true, reason: 'ok', grant: null, role: 'owner' });\n    return { ok: true, action };`, tests: KEYPAD },
  { id: 'passage-allows-supervised-visit', file: 'firmware/local-access.ts', find: `    if (this.current === 'passage') return report(false, 'refused-by-mode');`, replace: ``, tests: ['tests/scenario/review-rules.test.ts'] },
  { id: 'bolt-before-commit', file: 'firmware/local-access.ts', find: `    const refusal = this.commit(decision);\n    if (refusal) return refusal;\n    this.o.deadbolt.unlock('access');`, replace: `    this.o.deadbolt.unlock('access');\n    const refusal = this.commit(decision);\n    if (refusal) return refusal;`, tests: ['tests/scenario/review-rules.test.ts'] },
  { id: 'door-store-fault-not-store-failure', file: 'firmware/local-access.ts', find: `      if (error instanceof StoreError) return 'store-failure';`, replace: `      if (error instanceof StoreError) return 'uses-exhausted';`, tests: ['tests/scenario/review-rules.test.ts'] },
  { id: 'core-store-fault-not-store-failure', file: 'firmware/access/core.ts', find: `      return this.decideUnsafe(presentation, options);\n    } catch (error) {\n      if (error instanceof StoreError) return deny('store-failure');`, replace: `      return this.decideUnsafe(presentation, options);\n    } catch (error) {\n      if (error instanceof StoreError) return deny('malformed');`, tests: ['tests/unit/store-rules.test.ts'] },
  { id: 'journal-append-no-fsync', file: 'firmware/store/journal.ts', find: `      this.fs.fsyncSync(this.fd);\n    } catch (error) {\n      this.cutBack();`, replace: `    } catch (error) {\n      this.cutBack();`, tests: ['tests/unit/store-rules.test.ts'] },
  { id: 'file-store-fault-not-store-error', file: 'firmware/store/file-store.ts', find: `      throw new StoreError('cannot append to the journal', { cause: error });`, replace: `      throw error;`, tests: ['tests/unit/store-rules.test.ts'] },

  // ---- signed messages (surviving removals)
  { id: 'heartbeat-rollback-accepted', file: 'firmware/access/signed-state.ts', find: `    if (this.heartbeat && beat.time < this.heartbeat.time) return { ok: false, reason: 'rollback' };`, replace: ``, tests: VECTORS },
  { id: 'command-lifetime-unbounded', file: 'firmware/access/signed-state.ts', find: `command.exp - command.iat > 300`, replace: `command.exp - command.iat > 3000`, tests: VECTORS },
  { id: 'sub-delegation-roles-unchecked', file: 'firmware/access/chain.ts', find: `    if (!child.delegation.roles.every((r) => bounds.roles.includes(r))) return false;`, replace: ``, tests: VECTORS },

  // ---- grant identity
  { id: 'grant-id-is-cti-alone', file: 'firmware/access/grant-store.ts', find: `    memo = { root, id: delegatedGrantId(root, link.signer, link.claims.cti), hex: null };`, replace: `    memo = { root, id: link.claims.cti, hex: null };`, tests: IDENTITY },
  { id: 'grant-id-memo-ignores-root', file: 'firmware/access/grant-store.ts', find: `  if (memo === undefined || !sameRoot(memo.root, root)) {`, replace: `  if (memo === undefined) {`, tests: IDENTITY },
  { id: 'older-version-replaces', file: 'firmware/access/grant-store.ts', find: `      if (!newer(leaf.claims.iat, old.iat)) return 'grant-superseded';`, replace: ``, tests: IDENTITY },
  { id: 'other-issuer-replaces', file: 'firmware/access/grant-store.ts', find: `      if (Buffer.compare(decodeHeld(old.chain).at(-1)!.signer, leaf.signer) !== 0) return 'grant-id-taken';`, replace: ``, tests: IDENTITY },
  { id: 'digest-shadowing', file: 'firmware/access/grant-store.ts', find: `      if (holder && holder !== old) return 'credential-taken';`, replace: ``, tests: IDENTITY },
  { id: 'older-version-presented', file: 'firmware/access/core.ts', find: `    if (this.held.supersedes(links)) return deny('grant-superseded', grant);`, replace: ``, tests: IDENTITY },
  { id: 'presented-uses-by-cti', file: 'firmware/access/core.ts', find: `    const uses: UseClaim[] = leaf.maxUses !== null ? [{ key: id, max: leaf.maxUses }] : [];`, replace: `    const uses: UseClaim[] = leaf.maxUses !== null ? [{ key: leaf.cti, max: leaf.maxUses }] : [];`, tests: IDENTITY },
  { id: 'pin-uses-by-cti', file: 'firmware/access/core.ts', find: `      if (leaf.maxUses !== null) uses.push({ key: id, max: leaf.maxUses });`, replace: `      if (leaf.maxUses !== null) uses.push({ key: leaf.cti, max: leaf.maxUses });`, tests: IDENTITY },
  { id: 'revocation-by-cti', file: 'firmware/access/core.ts', find: `      if (this.signed.revocations.grants.has(linkId(links, i))) return 'revoked-grant';`, replace: `      if (this.signed.revocations.grants.has(claims.cti)) return 'revoked-grant';`, tests: IDENTITY },

  // ---- strict CBOR / COSE
  { id: 'duplicate-map-keys', file: 'firmware/access/cbor.ts', find: `      if (!addKey(top, key)) return 'duplicate-key';`, replace: ``, tests: [...VECTORS, 'tests/unit/strict-cbor.test.ts'] },
  { id: 'any-header-parameters', file: 'firmware/access/cose.ts', find: `  if (!strictHeaders(message, kid)) return { ok: false, reason: 'bad-header' };`, replace: ``, tests: VECTORS },
  { id: 'header-not-deterministic', file: 'firmware/access/cose.ts', find: `  const bytes = message.protectedBytes;\n  const n = ourHeaderTypLength(bytes);`, replace: `  return true;\n  const bytes = message.protectedBytes;\n  const n = ourHeaderTypLength(bytes);`, tests: VECTORS },
  { id: 'unprotected-header-allowed', file: 'firmware/access/cose.ts', find: `message.unprotectedHeader.size !== 0 || `, replace: ``, tests: VECTORS },
  { id: 'issuer-key-not-checked', file: 'firmware/access/chain.ts', find: `    if (claims.value.delegation && checkTrustedKey(claims.value.holderKey!)) return { ok: false, reason: 'bad-issuer-key' };`, replace: ``, tests: VECTORS },

  // ---- bounded inputs
  { id: 'revocations-over-capacity', file: 'firmware/access/signed-state.ts', find: `    if (revocationEntries(list) > this.maxRevocations) return this.refuseList('too-large');`, replace: ``, tests: ['tests/unit/bounded-inputs.test.ts'] },
  { id: 'revocations-48-mib', file: 'firmware/access/revocation-limits.ts', find: `maxBytes: Math.min(REVOCATION_LIMITS.maxBytes, entries * 32 + OVERHEAD)`, replace: `maxBytes: REVOCATION_LIMITS.maxBytes`, tests: ['tests/unit/bounded-inputs.test.ts'] },
  { id: 'no-packet-limit', file: 'firmware/sync/packet-limit.ts', find: `      if (total > maxBytes) {`, replace: `      if (total > Infinity) {`, tests: ['tests/interop/mqtt-limits.test.ts'] },

  // ---- time
  { id: 'forward-jump-trusted', file: 'firmware/access/trusted-time.ts', find: `    if (!this.suspect && raw - estimate > this.options.forwardToleranceMs) {`, replace: `    if (false) {`, tests: CLOCK },
  { id: 'jump-opens-windows', file: 'firmware/access/core.ts', find: `    return atUse ? this.checkLinks(links, ahead) : this.checkLinks(links, ahead, false);`, replace: `    return null;`, tests: CLOCK },
  { id: 'floor-pinned-ahead', file: 'firmware/access/trusted-time.ts', find: `    const wall = this.suspect ? Math.min(raw, estimate) : raw;`, replace: `    const wall = raw;`, tests: CLOCK },
  { id: 'jump-forgotten-at-reboot', file: 'firmware/access/trusted-time.ts', find: `    if (saved?.length === 9 && saved[0] === SUSPECT) {`, replace: `    if (false) {`, tests: CLOCK },
  { id: 'old-heartbeat-confirms', file: 'firmware/access/trusted-time.ts', find: `    if (raw - heartbeatMs > this.options.forwardToleranceMs) return;`, replace: ``, tests: CLOCK },
  { id: 'heartbeat-never-confirms', file: 'firmware/access/signed-state.ts', find: `    if (persist) this.ctx.time.confirm(beat.time * 1000);`, replace: ``, tests: CLOCK },
  { id: 'clock-set-back-unreported', file: 'firmware/access/trusted-time.ts', find: `      if (!this.clockBack) this.report({ type: 'clock-set-back', clock: wall, floor });`, replace: ``, tests: CLOCK },
  // ---- revocation snapshots in two slots, the outcome event after the PUBACK (issue 17, item 4)
  { id: 'snapshot-overwrites-newest', file: 'firmware/store/snapshot-slots.ts', find: `    const slot: Slot = this.newest?.slot === 'a' ? 'b' : 'a';`, replace: `    const slot: Slot = this.newest?.slot ?? 'a';`, tests: ['tests/unit/snapshot-slots.test.ts'] },
  { id: 'snapshot-dir-fsync-per-update', file: 'firmware/store/snapshot-slots.ts', find: `      if (!this.entrySynced.has(slot)) {`, replace: `      if (true) {`, tests: ['tests/unit/snapshot-slots.test.ts'] },
  { id: 'snapshot-damaged-slot-silent', file: 'firmware/store/snapshot-slots.ts', find: `        this.damaged.push(this.file(slot));`, replace: ``, tests: ['tests/unit/snapshot-slots.test.ts', 'tests/scenario/damaged-state.test.ts'] },
  { id: 'snapshot-fallback-trusted', file: 'firmware/access/core.ts', find: `if (!beat || this.signed.withheld || now`, replace: `if (!beat || now`, tests: ['tests/scenario/damaged-state.test.ts'] },
  { id: 'revocation-acknowledged-not-durable', file: 'firmware/access/signed-state.ts', find: `      if (persist) this.ctx.store.saveSnapshot('revocations', bytes);`, replace: ``, tests: ['tests/interop/crash-revocations.test.ts'] },
  { id: 'revocation-report-lost-at-crash', file: 'firmware/sync/service.ts', find: `  if (unreported !== null) {`, replace: `  if (false) {`, tests: ['tests/scenario/revocation-report.test.ts'] },
  // ---- boot stays flat: stored grants verified after ready, the outbox resumed from its last record (issue 12)
  { id: 'waiting-code-not-verified', file: 'firmware/access/core.ts', find: `      this.verifyWaiting(null, [digest]);`, replace: ``, tests: ['tests/unit/stored-grants-after-boot.test.ts'] },
  { id: 'waiting-version-not-verified', file: 'firmware/access/core.ts', find: `      this.verifyWaiting(linkId(links), [leaf.cti]);`, replace: ``, tests: ['tests/unit/stored-grants-after-boot.test.ts'] },
  { id: 'stored-grants-verified-once', file: 'firmware/after-ready.ts', find: `    () => core.verifyStoredGrants(50) > 0 || (logVerified(core, logger), false), // again while some are left`, replace: `    () => (core.verifyStoredGrants(50), false),`, tests: ['tests/scenario/boot-path.test.ts'] },
  { id: 'compaction-forgets-next', file: 'firmware/sync/outbox.ts', find: `    if (records.length > 1) records.push({ type: NEXT, payload: u32(this.nextSeq) });`, replace: ``, tests: ['tests/unit/outbox-resume.test.ts'] },
  { id: 'ack-forgets-next', file: 'firmware/sync/outbox.ts', find: `    else if ((type === ACK || type === DROP) && body.length === 8) this.nextSeq = body.readUInt32BE(4);`, replace: ``, tests: ['tests/unit/outbox-resume.test.ts'] },
  { id: 'nbf-judged-at-store', file: 'firmware/access/core.ts', find: `      if (atUse && claims.nbf !== null`, replace: `      if (claims.nbf !== null`, tests: ['tests/unit/access-parts.test.ts'] },
  // ---- the decision's fast paths: the holder proof read in place, challenges in fixed slots (issue 17, decision CPU)
  { id: 'proof-kid-not-holder', file: 'firmware/access/proof.ts', find: `  if (!sameBytesAt(bytes, p0 + KID_AT, holderKey) || s1 - s0 !== SIGNATURE.length) return null;`, replace: `  if (s1 - s0 !== SIGNATURE.length) return null;`, tests: ['tests/property/fast-decode.test.ts'] },
  { id: 'proof-cti-not-compared', file: 'firmware/access/proof.ts', find: `      if (major !== 2 || length !== cti.length || !sameBytesAt(payload, start, cti)) return -1;`, replace: `      if (major !== 2 || length !== cti.length) return -1;`, tests: ['tests/property/fast-decode.test.ts'] },
  { id: 'proof-aud-not-compared', file: 'firmware/access/proof.ts', find: `      if (major !== 3 || length !== audience.length || !sameBytesAt(payload, start, audience)) return -1;`, replace: `      if (major !== 3) return -1;`, tests: ['tests/property/fast-decode.test.ts'] },
  { id: 'challenge-key-bits-only', file: 'firmware/access/challenges.ts', find: `    if (slot < 0 || !sameBytes(this.bytes[slot]!, challenge))`, replace: `    if (slot < 0)`, tests: ['tests/unit/challenges.test.ts'] },
  { id: 'challenge-reusable', file: 'firmware/access/challenges.ts', find: `    const expires = this.expires[slot]!;\n    this.free(slot);`, replace: `    const expires = this.expires[slot]!;`, tests: ['tests/unit/challenges.test.ts'] },
  { id: 'text-bom-accepted', file: 'firmware/access/cbor.ts', find: ` || startsWithBom(bytes, pos, arg))) return 'malformed';`, replace: `)) return 'malformed';`, tests: ['tests/unit/bom-text.test.ts', 'tests/vectors/grant-vectors.test.ts'] },
  { id: 'byte-compare-first-byte', file: 'firmware/util/bytes.ts', find: `  for (let i = 0; i < n; i++) diff |= a[i]! ^ b[i]!;`, replace: `  if (n > 0) diff |= a[0]! ^ b[0]!;`, tests: ['tests/unit/bytes.test.ts'] },
  // ---- found by the mutation probe over firmware/ (tests added for each)
  { id: 'grants-unreadable-any-grant-goes', file: 'firmware/access/core.ts', find: `if (!(error instanceof StoreError) || leaf.role !== 'owner' || links.length !== 1) throw error;`, replace: `if (!(error instanceof StoreError)) throw error;`, tests: ['tests/unit/stored-grants-after-boot.test.ts'] },
  { id: 'deferred-uses-off-by-one', file: 'firmware/access/core.ts', find: `this.deps.store.usesOf(u.key) < u.max)`, replace: `this.deps.store.usesOf(u.key) <= u.max)`, tests: CORE },
  { id: 'uses-committed-piecemeal', file: 'firmware/access/core.ts', find: `    for (const u of uses) if (this.deps.store.usesOf(u.key) >= u.max) return false;\n`, replace: ``, tests: CORE },
  { id: 'expiry-one-second-late', file: 'firmware/access/core.ts', find: `seconds - skew >= claims.exp`, replace: `seconds - skew > claims.exp`, tests: CORE },
  { id: 'uses-unproven-ignored', file: 'firmware/access/core.ts', find: `return leaf.iat !== null && leaf.iat * 1000 >= since ? null : 'uses-unproven';`, replace: `return null;`, tests: UNPROVEN },
  { id: 'uses-unproven-boundary', file: 'firmware/access/core.ts', find: `leaf.iat * 1000 >= since ? null`, replace: `leaf.iat * 1000 > since ? null`, tests: CORE },
  { id: 'uses-unproven-skipped-for-codes', file: 'firmware/access/core.ts', find: `const spent = this.unproven(leaf, stored.links.length, uses) ?? this.spend(uses, options);`, replace: `const spent = this.spend(uses, options);`, tests: UNPROVEN },
  { id: 'uses-unproven-owner-locked-out', file: 'firmware/access/core.ts', find: `if (uses.length === 0 || (leaf.role === 'owner' && chainLength === 1)) return null;`, replace: `if (uses.length === 0) return null;`, tests: UNPROVEN },
  { id: 'offline-code-unproven-ignored', file: 'firmware/local-access.ts', find: `    if (check.singleUse && since !== null && check.startMs < since) return { ...refuse('uses-unproven'), grant };\n`, replace: ``, tests: UNPROVEN },
  { id: 'grant-held-when-save-fails', file: 'firmware/access/core.ts', find: `        } catch {\n          return { ok: false, reason: 'store-failure' };\n        }`, replace: `        } catch {\n          /* ignored */\n        }`, tests: CORE },
  { id: 'grant-stored-past-jump', file: 'firmware/access/core.ts', find: `this.checkLinks(verified.links, now, false) ?? this.checkAhead(verified.links, false);`, replace: `this.checkLinks(verified.links, now, false);`, tests: CLOCK },
  { id: 'owner-revocable-as-issuer', file: 'firmware/access/core.ts', find: `if (!this.isOwner(signer) && this.signed.revocations.issuers.has(signer))`, replace: `if (this.signed.revocations.issuers.has(signer))`, tests: CORE },
  { id: 'issuer-revocation-gone', file: 'firmware/access/core.ts', find: `      if (!this.isOwner(signer) && this.signed.revocations.issuers.has(signer)) return 'revoked-issuer';\n      if (claims.holderKey) {\n        const set = claims.delegation ? this.signed.revocations.issuers : this.signed.revocations.holders;`, replace: `      if (claims.holderKey) {\n        const set = this.signed.revocations.holders;`, tests: VECTORS },
  { id: 'grant-store-over-capacity', file: 'firmware/access/grant-store.ts', find: `} else if (this.byId.size >= this.capacity) {`, replace: `} else if (this.byId.size > this.capacity) {`, tests: ['tests/unit/grant-store.test.ts'] },
  { id: 'unsaved-list-taken-as-held', file: 'firmware/access/signed-state.ts', find: `this.revocations.seq > 0 && this.revocationsSaved && !this.lost.has('revocations')) return`, replace: `this.revocations.seq > 0 && !this.lost.has('revocations')) return`, tests: CORE },
  { id: 'list-save-failure-acknowledged', file: 'firmware/access/signed-state.ts', find: `    } catch {\n      return this.refuseList('store-failure');\n    }`, replace: `    } catch {\n      /* */\n    }`, tests: CORE },
  { id: 'heartbeat-save-failure-accepted', file: 'firmware/access/signed-state.ts', find: `    } catch {\n      return { ok: false, reason: 'store-failure' };\n    }\n    this.heartbeat = beat;`, replace: `    } catch {\n      /* */\n    }\n    this.heartbeat = beat;`, tests: CORE },
  { id: 'heartbeat-floor-not-raised', file: 'firmware/access/signed-state.ts', find: `    this.ctx.store.raiseTimeFloor(beat.time * 1000);\n`, replace: ``, tests: CORE },
  { id: 'command-acts-without-nonce', file: 'firmware/access/signed-state.ts', find: `    } catch {\n      return { ok: false, reason: 'store-failure' };\n    }\n    return { ok: true, command };`, replace: `    } catch {\n      /* */\n    }\n    return { ok: true, command };`, tests: CORE },
  { id: 'command-for-any-lock', file: 'firmware/access/signed-state.ts', find: `    if (command.aud !== this.ctx.config.lockId) return { ok: false, reason: 'wrong-lock' };\n`, replace: ``, tests: CORE },
  { id: 'command-expiry-one-second-late', file: 'firmware/access/signed-state.ts', find: `if (seconds - this.ctx.config.clockSkewS >= command.exp)`, replace: `if (seconds - this.ctx.config.clockSkewS > command.exp)`, tests: CORE },
  { id: 'command-before-iat', file: 'firmware/access/signed-state.ts', find: `    if (seconds + this.ctx.config.clockSkewS < command.iat) return { ok: false, reason: 'not-yet-valid' };\n`, replace: ``, tests: CORE },
  { id: 'delegation-as-leaf-opens', file: 'firmware/access/chain.ts', find: `  if (leaf.delegation) return { ok: false, reason: 'not-a-grant' };\n`, replace: ``, tests: CHAIN },
  { id: 'holder-grant-signs-links', file: 'firmware/access/chain.ts', find: `if (!parent.claims.delegation || !equal(parent.claims.holderKey, link.signer))`, replace: `if (!equal(parent.claims.holderKey, link.signer))`, tests: CHAIN },
  { id: 'child-starts-earlier', file: 'firmware/access/chain.ts', find: `  if (parent.nbf !== null && (child.nbf === null || child.nbf < parent.nbf)) return false;\n`, replace: ``, tests: CHAIN },
  { id: 'child-without-end', file: 'firmware/access/chain.ts', find: `(child.exp === null || child.exp > parent.exp)`, replace: `(child.exp !== null && child.exp > parent.exp)`, tests: CHAIN },
  { id: 'child-relock-widened', file: 'firmware/access/chain.ts', find: `  if (parent.relockWithinS !== null && (child.relockWithinS === null || child.relockWithinS > parent.relockWithinS)) return false;\n`, replace: ``, tests: CHAIN },
  { id: 'sub-delegation-depth', file: 'firmware/access/chain.ts', find: `if (bounds.maxDepth < 1 || child.delegation.maxDepth > bounds.maxDepth - 1) return false;`, replace: `if (child.delegation.maxDepth > bounds.maxDepth) return false;`, tests: CHAIN },
  { id: 'sub-delegation-uses', file: 'firmware/access/chain.ts', find: `    if (bounds.maxUses !== null && (child.delegation.maxUses === null || child.delegation.maxUses > bounds.maxUses)) return false;\n    return true;`, replace: `    return true;`, tests: CHAIN },
  { id: 'challenge-never-expires', file: 'firmware/access/challenges.ts', find: `return this.clock.now() <= expires ? null : 'challenge-expired';`, replace: `return null;`, tests: CORE },
  { id: 'challenges-unbounded', file: 'firmware/access/challenges.ts', find: `    if (this.outstanding >= this.maxOpen) this.free(this.oldest());\n`, replace: ``, tests: CORE },
  { id: 'command-nonce-forgotten-inside-skew', file: 'firmware/access/signed-state.ts', find: `command.nonce, command.exp + this.ctx.config.clockSkewS, seconds`, replace: `command.nonce, command.exp, seconds`, tests: CORE },
  { id: 'clock-confirmation-not-durable', file: 'firmware/access/trusted-time.ts', find: `    this.persist(Uint8Array.of(0));\n    this.report`, replace: `    this.report`, tests: CLOCK },
  { id: 'saved-estimate-below-floor', file: 'firmware/access/trusted-time.ts', find: `this.anchorWall = Math.max(Number(new DataView(saved.buffer, saved.byteOffset, 9).getBigUint64(1)), store.timeFloor());`, replace: `this.anchorWall = Number(new DataView(saved.buffer, saved.byteOffset, 9).getBigUint64(1));`, tests: CLOCK },
  { id: 'trusted-time-below-floor', file: 'firmware/access/trusted-time.ts', find: `    return Math.max(wall, floor);`, replace: `    return wall;`, tests: CORE },
  { id: 'unknown-mode-applied', file: 'firmware/local-access.ts', find: `      if (!mode || !isMode(mode)) return { ok: false, reason: 'unknown-mode' };\n`, replace: ``, tests: ['tests/scenario/local-access.test.ts'] },
  { id: 'damage-ack-unwritten-ok', file: 'firmware/local-access.ts', find: `        this.o.store.acknowledgeDamage();\n      } catch {\n        return { ok: false, reason: 'store-failure' };\n      }`, replace: `        this.o.store.acknowledgeDamage();\n      } catch {\n        /* */\n      }`, tests: UNPROVEN },
  { id: 'ha-pin-skips-obligations', file: 'firmware/local-access.ts', find: `decision.obligations.record || decision.obligations.relockWithinS !== null\n            ? 'recording-unavailable'`, replace: `false\n            ? 'recording-unavailable'`, tests: KEYPAD },
  { id: 'ha-pin-uses-not-spent', file: 'firmware/local-access.ts', find: `            : this.commit(decision);\n    if (refusal) {`, replace: `            : null;\n    if (refusal) {`, tests: KEYPAD },
  { id: 'ha-count-fault-hidden', file: 'firmware/local-access.ts', find: `        return this.refuseRemote('store-failure', role, id, 'store-failure');`, replace: `        return this.refuseRemote('store-failure', role, id, 'code-refused');`, tests: KEYPAD },
  { id: 'mode-applied-before-written', file: 'firmware/local-access.ts', find: `    this.o.store.putState('mode', Uint8Array.of(MODES.indexOf(mode)));\n    this.current = mode;`, replace: `    this.current = mode;\n    this.o.store.putState('mode', Uint8Array.of(MODES.indexOf(mode)));`, tests: KEYPAD },
  { id: 'keypad-count-fault-tells-reason', file: 'firmware/local-access.ts', find: `        this.finish(via, kind, refuse('store-failure'));\n        return;`, replace: `        this.finish(via, kind, decision);\n        return;`, tests: KEYPAD },
  { id: 'pin-length-unbounded', file: 'firmware/local-access.ts', find: `    if (code.length < PIN_MIN || code.length > PIN_MAX) return unknown();\n`, replace: ``, tests: ['tests/scenario/local-access.test.ts'] },
  { id: 'lock-over-unlock', file: 'firmware/lock/deadbolt.ts', find: `    if (this.operation) return 'busy';\n`, replace: ``, tests: ['tests/scenario/deadbolt.test.ts'] },
  { id: 'backoff-into-open-door', file: 'firmware/lock/deadbolt.ts', find: `if (backoff === 'retract' || this.ports.door.read() === 'closed') this.ports.bolt.drive(backoff);`, replace: `this.ports.bolt.drive(backoff);`, tests: ['tests/scenario/deadbolt.test.ts'] },
  { id: 'delivery-without-default-deadline', file: 'firmware/camera/supervisor.ts', find: `obligations.relockWithinS ?? (grant.role === 'delivery' ? this.config.deliveryRelockWithinS : null);`, replace: `obligations.relockWithinS;`, tests: ['tests/scenario/delivery.test.ts'] },
  { id: 'camera-held-after-refusal', file: 'firmware/camera/supervisor.ts', find: `        if (visit.holdsCamera) this.deps.recorder!.release(this.holder(visit));\n        refuse(refusal);`, replace: `        refuse(refusal);`, tests: ['tests/scenario/delivery.test.ts'] },
  { id: 'torn-tail-cut-not-durable', file: 'firmware/store/journal.ts', find: `        this.fs.ftruncateSync(this.fd, pos);\n        this.fs.fsyncSync(this.fd);\n      }`, replace: `        this.fs.ftruncateSync(this.fd, pos);\n      }`, tests: JOURNAL },
  { id: 'fragment-cut-not-durable', file: 'firmware/store/journal.ts', find: `    this.fs.ftruncateSync(this.fd, this.bytes);\n    this.fs.fsyncSync(this.fd);\n    this.failed = false;`, replace: `    this.fs.ftruncateSync(this.fd, this.bytes);\n    this.failed = false;`, tests: JOURNAL },
  { id: 'append-behind-uncut-fragment', file: 'firmware/store/journal.ts', find: `    if (this.failed) this.recover();\n`, replace: ``, tests: JOURNAL },
  { id: 'resumed-from-bad-last-record', file: 'firmware/store/journal-read.ts', find: `    if (recordAt(file, from + p, maxRecord) === 0) continue;\n`, replace: ``, tests: JOURNAL },
  { id: 'atomic-temp-not-fsynced', file: 'firmware/store/journal.ts', find: `    for (const chunk of chunks) writeFully(fs, fd, chunk);\n    fs.fsyncSync(fd);`, replace: `    for (const chunk of chunks) writeFully(fs, fd, chunk);`, tests: FILESTORE },
  { id: 'atomic-rename-not-durable', file: 'firmware/store/journal.ts', find: `  fs.renameSync(temp, path);\n  fsyncDir(dir, fs);`, replace: `  fs.renameSync(temp, path);`, tests: FILESTORE },
  { id: 'mirror-failure-leaves-first-copy', file: 'firmware/store/mirrored-journal.ts', find: `        this.copies[0].truncateTo(before);`, replace: ``, tests: FILESTORE },
  { id: 'mirror-lag-taken-as-damage', file: 'firmware/store/mirrored-journal.ts', find: `long.length - short.length > 1 || !prefix`, replace: `long.length - short.length > 0 || !prefix`, tests: FILESTORE },
  { id: 'nonce-not-durable', file: 'firmware/store/file-store.ts', find: `    this.append(RECORD_NONCE, payload);\n`, replace: ``, tests: FILESTORE },
  { id: 'nonce-pruned-before-expiry', file: 'firmware/store/file-store.ts', find: `for (const [n, exp] of this.nonces) if (exp < nowS) this.nonces.delete(n);`, replace: `for (const [n, exp] of this.nonces) if (exp < nowS + 86400) this.nonces.delete(n);`, tests: FILESTORE },
  { id: 'state-applied-before-durable', file: 'firmware/store/file-store.ts', find: `    this.append(RECORD_STATE, Buffer.concat([Buffer.from([STATE_NAMES.indexOf(name)]), Buffer.from(bytes)]));\n    this.states.set(name, new Uint8Array(bytes));`, replace: `    this.states.set(name, new Uint8Array(bytes));\n    this.append(RECORD_STATE, Buffer.concat([Buffer.from([STATE_NAMES.indexOf(name)]), Buffer.from(bytes)]));`, tests: FILESTORE },
  { id: 'both-journal-copies-lost-silently', file: 'firmware/store/file-store.ts', find: `    if (!existed && others.some((f) => fs.sizeOf(join(dir, f)) > 0)) {`, replace: `    if (false) {`, tests: FILESTORE },
  { id: 'compaction-resurrects-removed-grant', file: 'firmware/store/grant-journal.ts', find: `      puts.delete(key);\n      if (put)`, replace: `      if (put)`, tests: ['tests/unit/grant-journal.test.ts'] },
  { id: 'damaged-reported-note-trusted', file: 'firmware/store/snapshot-slots.ts', find: `if (marker.length === 12 && crc32(marker.subarray(0, 8)) === marker.readUInt32BE(8)) this.reportedGeneration`, replace: `if (marker.length === 12) this.reportedGeneration`, tests: ['tests/unit/snapshot-slots.test.ts'] },
  { id: 'outbox-drops-oldest-security-event', file: 'firmware/sync/outbox.ts', find: `      if (event.priority === 'normal') {\n        victim = event;\n        break;\n      }\n      victim ??= event;`, replace: `      victim ??= event;`, tests: ['tests/unit/outbox.test.ts'] },
  { id: 'outbox-event-not-durable', file: 'firmware/sync/outbox.ts', find: `    this.record(EVENT, Buffer.concat([u32(seq), Buffer.from([notice ? 2 : priority === 'security' ? 1 : 0]), bytes]));\n    this.nextSeq = seq + 1;`, replace: `    this.nextSeq = seq + 1;\n    try { this.record(EVENT, Buffer.concat([u32(seq), Buffer.from([notice ? 2 : priority === 'security' ? 1 : 0]), bytes])); } catch { /* */ }`, tests: ['tests/unit/outbox.test.ts'] },
  { id: 'outbox-compaction-loses-pending', file: 'firmware/sync/outbox.ts', find: `    for (const e of this.pendingEvents.values()) {\n      const kind`, replace: `    for (const e of [...this.pendingEvents.values()].slice(1)) {\n      const kind`, tests: ['tests/unit/outbox.test.ts'] },
  { id: 'outbox-compaction-forgets-priority', file: 'firmware/sync/outbox.ts', find: `const kind = e.seq === this.noticeSeq ? 2 : e.priority === 'security' ? 1 : 0;`, replace: `const kind = 0;`, tests: ['tests/unit/outbox.test.ts'] },
  { id: 'list-noted-reported-before-its-event', file: 'firmware/sync/service.ts', find: `        update('revocations', result);\n        if (result.ok) core.revocationsReported();`, replace: `        if (result.ok) core.revocationsReported();\n        update('revocations', result);`, tests: ['tests/unit/sync-handlers.test.ts'] },
  { id: 'unsaved-heartbeat-acknowledged', file: 'firmware/sync/service.ts', find: `    if (!result.ok && result.reason === 'store-failure') throw new StoreError(\`\${type}: cannot persist\`);`, replace: ``, tests: ['tests/unit/sync-handlers.test.ts'] },
  { id: 'command-without-nonce-acknowledged', file: 'firmware/sync/service.ts', find: `      if (!result.ok && result.reason === 'store-failure') throw new StoreError('commands: cannot persist the nonce');`, replace: ``, tests: ['tests/unit/sync-handlers.test.ts'] },
  { id: 'reconnect-without-backoff', file: 'firmware/sync/link.ts', find: `    const ceiling = Math.min(maxMs, minMs * 2 ** this.attempt);`, replace: `    const ceiling = minMs;`, tests: ['tests/unit/sync-handlers.test.ts'] },
  { id: 'frame-over-payload-limit-delivered', file: 'firmware/pairing/framing.ts', find: `    if (payload.length > MAX_PAYLOAD) {\n      this.counters.oversize++;\n      return;\n    }`, replace: ``, tests: ['tests/unit/pairing-framing.test.ts'] },
  { id: 'abandoned-frame-not-counted', file: 'firmware/pairing/framing.ts', find: `    this.overflowing = false;\n    this.counters.abandoned++;`, replace: `    this.overflowing = false;`, tests: ['tests/unit/pairing-framing.test.ts'] },
  { id: 'new-owner-inherits-lock-data', file: 'firmware/pairing/paired-state.ts', find: `  const sameOwner = previous?.access?.lockId === s.lockId && sameKeys(previous.access.ownerKeys, s.ownerKeys.map(hex));`, replace: `  const sameOwner = previous?.access?.lockId === s.lockId;`, tests: PAIRING },
  { id: 'factory-reset-keeps-clock', file: 'firmware/pairing/paired-state.ts', find: `  rmSync(join(stateDir, 'clock.json'), { force: true });\n`, replace: ``, tests: PAIRING },
  { id: 'pair-owner-keys-unbounded', file: 'firmware/pairing/installer.ts', find: `ownerKeys.length === 0 || ownerKeys.length > 8`, replace: `ownerKeys.length === 0`, tests: PAIRING },
  { id: 'pair-owner-key-length-unchecked', file: 'firmware/pairing/installer.ts', find: `    if (!isBytes(key) || key.length !== 32) throw bad(\`ownerKeys[\${i}]\`, 'must be a 32-byte Ed25519 public key');\n`, replace: ``, tests: PAIRING },
  { id: 'pair-secret-length-unchecked', file: 'firmware/pairing/installer.ts', find: `  if (!isBytes(secret) || secret.length !== 32) throw`, replace: `  if (!isBytes(secret)) throw`, tests: PAIRING },
  { id: 'set-time-any-value', file: 'firmware/pairing/installer.ts', find: `v >= 1_600_000_000 && v <= 0xffffffff`, replace: `v >= 0`, tests: PAIRING },
  { id: 'pairing-request-extra-fields', file: 'firmware/pairing/protocol.ts', find: `  for (const key of value.keys()) if (!['v', 'id', 'op', 'body'].includes(key as string)) return`, replace: `  for (const key of value.keys()) if (false) return`, tests: PAIRING },
  { id: 'config-lock-id-unchecked', file: 'firmware/config.ts', find: `  lockId: v.pipe(v.string(), v.regex(LOCK_ID, 'must be 1-64 letters, digits, "_" or "-" (it is part of MQTT topics)')),`, replace: `  lockId: v.string(),`, tests: ['tests/unit/lockctl.test.ts'] },
  { id: 'config-unknown-keys-accepted', file: 'firmware/config.ts', find: `const lockConfig = v.strictObject({`, replace: `const lockConfig = v.looseObject({`, tests: ['tests/unit/lockctl.test.ts'] },
  { id: 'config-guess-limit-unbounded', file: 'firmware/config.ts', find: `      wrongCodeLimit: v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(6)),`, replace: `      wrongCodeLimit: v.number(),`, tests: ['tests/unit/lockctl.test.ts'] },
  { id: 'offline-code-mac-unchecked', file: 'firmware/keypad/codes.ts', find: `valid: macOk && nowHour`, replace: `valid: nowHour`, tests: ['tests/unit/keypad-codes.test.ts', 'tests/scenario/local-access.test.ts'] },
  { id: 'offline-code-an-hour-late', file: 'firmware/keypad/codes.ts', find: `nowHour < startHour + kind.hours`, replace: `nowHour <= startHour + kind.hours`, tests: ['tests/unit/keypad-codes.test.ts'] },
  { id: 'tracking-number-unbounded', file: 'firmware/keypad/codes.ts', find: `code.length > 0 && code.length <= TRACKING_MAX && `, replace: `code.length > 0 && `, tests: ['tests/unit/keypad-codes.test.ts'] },
  { id: 'lockout-reset-unwritten-ok', file: 'firmware/local-access.ts', find: `budget.reset();\n      } catch {\n        return { ok: false, reason: 'store-failure' };\n      }`, replace: `budget.reset();\n      } catch {\n        /* */\n      }`, tests: KEYPAD },
  { id: 'ha-pin-ignores-mode', file: 'firmware/local-access.ts', find: `        : !modeAllows(this.current, 'remote-unlock', role)\n          ? 'refused-by-mode'\n          : //`, replace: `        : //`, tests: KEYPAD },
  { id: 'lockout-reset-not-durable', file: 'firmware/keypad/lockout.ts', find: `    this.until = 0;\n    this.save();`, replace: `    this.until = 0;`, tests: ['tests/unit/guess-budget.test.ts'] },
  { id: 'shutdown-leaves-unlock-running', file: 'firmware/lock/deadbolt.ts', find: `    if (this.operation?.op === 'unlock') this.finish('shutdown', null);\n`, replace: ``, tests: ['tests/scenario/deadbolt.test.ts'] },
  { id: 'tamper-at-boot-unreported', file: 'firmware/lock/deadbolt.ts', find: `    if (tamper?.isTampered()) this.setAlarm('tamper', true);\n`, replace: ``, tests: ['tests/scenario/deadbolt.test.ts'] },
  { id: 'door-open-at-boot-never-ajar', file: 'firmware/lock/deadbolt.ts', find: `    if (door.read() === 'open') this.startAjarTimer();\n`, replace: ``, tests: ['tests/scenario/deadbolt.test.ts'] },
  { id: 'hand-withdrawn-bolt-never-relocked', file: 'firmware/lock/deadbolt.ts', find: `    this.events.emit('manual', { position: reached });\n    this.armRelock();`, replace: `    this.events.emit('manual', { position: reached });`, tests: ['tests/scenario/deadbolt.test.ts'] },
];
