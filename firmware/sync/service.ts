// What the lock does with each MQTT topic: revocation lists, heartbeats, pushed grants and remote
// commands go to the access core (and local access); every outcome, accepted or refused, becomes a
// signed event in the outbox. A storage failure throws, so the message is not acknowledged and comes again.
import { decodeScanned, scanCbor } from '../access/cbor.js';
import type { AccessCore, UpdateResult } from '../access/core.js';
import { isBytes } from '../access/cose.js';
import type { LocalAccess } from '../local-access.js';
import { StoreError } from '../store/store.js';
import type { CommandReason, GrantStoreReason, UpdateReason } from '../reasons.js';
import type { LinkHandlers } from './link.js';
import type { Outbox } from './outbox.js';

/** An update's outcome as event details; its reason from the closed sets of firmware/reasons.ts. */
const outcome = (r: { ok: boolean; reason?: UpdateReason | GrantStoreReason | CommandReason; seq?: number; time?: number; revocationSeq?: number; action?: string; id?: string }) =>
  new Map<string, unknown>(Object.entries(r).filter(([, v]) => v !== undefined));

/** Identical refusals of inbound messages within this window make one event (junk floods stay small). */
const COALESCE_MS = 60_000;

/**
 * Refusals of inbound messages, coalesced: the first refusal of a kind (event type and reason) in a
 * minute is an event; the same refusal again within that minute is only counted, and the count goes
 * out as `repeated` in the next event of that kind. A flood of junk makes one event a minute per kind.
 */
function refusals(outbox: Outbox, now: () => number) {
  const windows = new Map<string, { until: number; suppressed: number }>();
  return (type: 'revocations' | 'heartbeat' | 'grant-stored' | 'command', details: Map<string, unknown>) => {
    const key = `${type}:${String(details.get('reason'))}`;
    const t = now();
    const w = windows.get(key);
    if (w && t < w.until) {
      w.suppressed++;
      return;
    }
    if (w && w.suppressed > 0) details.set('repeated', w.suppressed);
    outbox.append(type, details, 'security');
    windows.set(key, { until: t + COALESCE_MS, suppressed: 0 });
    if (windows.size > 256) windows.delete(windows.keys().next().value!);
  };
}

export function syncHandlers(core: AccessCore, outbox: Outbox, local: LocalAccess | null): LinkHandlers {
  const refused = refusals(outbox, () => core.now());
  // A list saved and acknowledged whose outcome event never reached the outbox (the lock died right
  // after the PUBACK): reported now, at boot. At least once: the owner may see it twice, never not.
  const unreported = core.unreportedRevocations;
  if (unreported !== null) {
    try {
      outbox.append('revocations', outcome({ ok: true, seq: unreported }));
      core.revocationsReported();
    } catch {
      // A full card: still not noted, so tried again at the next boot.
    }
  }
  const report = (type: 'revocations' | 'heartbeat' | 'grant-stored' | 'command', ok: boolean, details: Map<string, unknown>) =>
    ok ? outbox.append(type, details, type === 'command' ? 'security' : 'normal') : refused(type, details);
  const update = (type: 'revocations' | 'heartbeat', result: UpdateResult, extra: Record<string, number> = {}) => {
    if (!result.ok && result.reason === 'store-failure') throw new StoreError(`${type}: cannot persist`);
    report(type, result.ok, outcome(result.ok ? { ...result, ...extra } : result));
  };
  return {
    revocations: (payload) => {
      // Enforced and durable when applyRevocations returns; the outcome event waits for the PUBACK,
      // and is noted as reported once in the outbox (if the lock dies first, the next boot appends it).
      const result = core.applyRevocations(payload);
      if (!result.ok && result.reason === 'store-failure') throw new StoreError('revocations: cannot persist');
      return () => {
        update('revocations', result);
        if (result.ok) core.revocationsReported();
      };
    },
    heartbeat: (payload) => {
      // Accepted ones too: the owner's app confirms by it that the freshness rule took its heartbeat.
      const result = core.applyHeartbeat(payload);
      update('heartbeat', result, result.ok ? { time: core.lastHeartbeat!.time, revocationSeq: core.revocationSeq } : {});
    },
    grants: (payload) => {
      // A grant, or a chain [bstr, ...] (root first) for delegated grants.
      let chain: Uint8Array[] = [payload];
      if (payload[0]! >> 5 === 4 && !scanCbor(payload, undefined, [])) {
        const items = decodeScanned(payload);
        if (Array.isArray(items) && items.every(isBytes)) chain = items as Uint8Array[];
      }
      const result = core.storeGrant(chain);
      // Not on disk: no event, no acknowledgement; the broker sends it again.
      if (!result.ok && result.reason === 'store-failure') throw new StoreError('grants: cannot persist');
      report('grant-stored', result.ok, outcome(result));
    },
    commands: (payload) => {
      const result = local ? local.applyCommand(payload) : core.verifyCommand(payload);
      // The nonce could not be kept: unacknowledged (and not acted on), so it comes again.
      if (!result.ok && result.reason === 'store-failure') throw new StoreError('commands: cannot persist the nonce');
      const summary = result.ok ? { ok: true, action: 'action' in result ? result.action : result.command.action } : { ok: false, reason: result.reason };
      report('command', summary.ok, outcome(summary));
    },
  };
}
