// What a paired lock does once it is ready (boot.ts): the outbox's backlog and the stored grants,
// left unread at boot so a large state does not delay it, are read and verified between other work.
import type { Clock, TimerHandle } from '../hal/ports/clock.js';
import type { AccessCore } from './access/core.js';
import type { FaultMonitor } from './faults.js';
import type { Logger } from './log.js';
import type { JournalDamage } from './store/journal.js';
import type { Outbox } from './sync/outbox.js';

/** How long the lock waits before it tries again to read a backlog or grants file the card refused. */
const SETTLE_RETRY_MS = 30_000;

/**
 * After ready, between other work: the outbox's backlog is read, then the stored grants, which are
 * verified again a batch at a time (damage found in either is reported by its file's own callback).
 * Anything that needs them sooner reads them itself (a look-up, a publish). A step the card refuses
 * is a counted fault and is tried again later. Stops at stop().
 */
export function settleAfterReady({ core, outbox }: { core: AccessCore; outbox: Outbox }, { faults, clock, logger }: { faults: FaultMonitor; clock: Clock; logger: Logger }): { stop(): void } {
  const steps: (() => boolean)[] = [
    () => (outbox.replay(), false),
    () => core.verifyStoredGrants(50) > 0 || (logVerified(core, logger), false), // again while some are left
  ];
  const fault = faults.sink('storage');
  let stopped = false;
  let retry: TimerHandle | null = null;
  const step = () => {
    if (stopped || steps.length === 0) return;
    try {
      if (!steps[0]!()) steps.shift();
    } catch (error) {
      fault(error, 'after-ready');
      retry = clock.after(SETTLE_RETRY_MS, step);
      return;
    }
    setImmediate(step);
  };
  setImmediate(step);
  return {
    stop: () => {
      stopped = true;
      retry?.cancel();
    },
  };
}

/** Every stored grant verified again: what the lock now holds (grants, the revocation list in force). */
function logVerified(core: AccessCore, logger: Logger): void {
  logger.info({ event: 'grants-verified', grants: core.grants.size, revocationSeq: core.revocationSeq }, `stored grants verified: ${core.grants.size} held`);
}

/** Damage found in a journal (a bad record followed by good ones): a log line and a signed event naming the file and offset. */
export function reportJournalDamage(outbox: Outbox, logger: Logger, d: JournalDamage | null, fault: (error: unknown) => void): void {
  if (!d) return;
  logger.error({ event: 'state-damaged', ...d }, `state damaged: ${d.file} at byte ${d.offset} (${d.skippedBytes} bytes skipped)`);
  reportDamage(outbox, new Map<string, unknown>([['file', d.file], ['offset', d.offset], ['skipped', d.skippedBytes]]), fault);
}

/** A state-damaged event into the outbox; a full card makes it a counted fault (the log line has said it), never a failed boot. */
export function reportDamage(outbox: Outbox, details: Map<string, unknown>, fault: (error: unknown) => void): void {
  try {
    outbox.append('state-damaged', details, 'security');
  } catch (error) {
    fault(error);
  }
}
