// What the firmware process does with signals and stray exceptions. SIGINT/SIGTERM stop the lock
// cleanly (the bolt left as configured, fail-secure by default); a second signal or a stuck
// shutdown forces the exit. An uncaught infrastructure fault (an error with a `code`: a full disk,
// a failed fsync) is counted and the lock keeps running; a programmer fault (no code) leaves the
// bolt fail-secure and exits non-zero, so the service manager restarts a clean process.
import type { FaultMonitor } from './faults.js';
import { faultCode } from './faults.js';
import type { Logger } from './log.js';

type Stoppable = { stop(): Promise<void> };

export function handleSignals(lock: Stoppable, logger: Logger, exit: (code: number) => void = process.exit): () => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      exit(1);
    }, 15_000);
    lock.stop().then(
      () => {
        clearTimeout(force);
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/**
 * Stray exceptions and rejections: infrastructure faults are reported to the fault monitor and the
 * lock keeps deciding; a programmer fault stops the lock (fail-secure) and exits with code 70.
 */
export function handleUncaught(lock: Stoppable & { faults: FaultMonitor }, logger: Logger, exit: (code: number) => void = process.exit): () => void {
  let fatal = false;
  const onError = (error: unknown) => {
    const code = faultCode(error);
    if (code !== 'E_BUG') {
      lock.faults.report('process', error);
      return;
    }
    if (fatal) return;
    fatal = true;
    logger.fatal({ event: 'fatal', err: error }, 'programmer fault: leaving the bolt safe and exiting');
    const force = setTimeout(() => exit(70), 15_000);
    lock.stop().finally(() => {
      clearTimeout(force);
      exit(70);
    });
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
