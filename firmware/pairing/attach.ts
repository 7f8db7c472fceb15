// The installer's serial line on a running lock: the pairing server on the port the config names,
// its handlers (pairing, set-time, self-test, factory reset) wired to the lock's state directory
// and to a rebuild of the lock's services, and its log lines. Started by boot when `pairing` is set.
import type { Clock } from '../../hal/ports/clock.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import type { RandomSource } from '../../hal/ports/random.js';
import type { SerialLink } from '../../hal/ports/serial-link.js';
import type { App } from '../app.js';
import type { LockConfig } from '../config.js';
import { loadOrCreateIdentity } from '../identity.js';
import type { Logger } from '../log.js';
import type { OffsetClock } from '../util/offset-clock.js';
import { installerHandlers } from './installer.js';
import { isPaired, type PairedSections, readPaired } from './paired-state.js';
import { toCbor } from './plain.js';
import { parseSelfTestRequest, runSelfTest } from './self-test.js';
import { PairingServer } from './server.js';

export interface PairingDeps {
  config: NonNullable<LockConfig['pairing']>;
  stateDir: string;
  /** The board's own clock: windows and hold times are durations, which set-time does not move. */
  boardClock: Clock;
  /** The installer-corrected clock (set-time moves it). */
  clock: OffsetClock;
  random: RandomSource;
  ports: BoardPorts;
  link: SerialLink;
  logger: Logger;
  board: string;
  firmwareVersion: string;
  /** The services now (they are rebuilt after a pairing or reset). */
  app(): App;
  /** Stop the services, apply `change` to the files, start them again on what the files now say. */
  rebuild(change: () => PairedSections | null): Promise<void>;
  /** Before a factory reset: withdraw what the lock announced (Home Assistant discovery). */
  beforeReset?(): Promise<void>;
  selfTest: { cameraConfirmMs: number; strokeTimeoutMs: number };
}

export function startPairing(d: PairingDeps): PairingServer {
  const identity = loadOrCreateIdentity(d.stateDir, d.random);
  const log = d.logger.child({ module: 'pairing' });
  const server = new PairingServer(
    {
      link: d.link,
      clock: d.boardClock,
      pairButton: d.ports.pairButton,
      handlers: installerHandlers({
        stateDir: d.stateDir,
        identity,
        clock: d.clock,
        board: d.board,
        firmwareVersion: d.firmwareVersion,
        current: () => readablePairing(d.stateDir),
        paired: () => isPaired(d.stateDir),
        restart: (change) => d.rebuild(change),
        beforeReset: d.beforeReset,
        selfTest: async (body) => {
          const app = d.app();
          const report = await runSelfTest(d.ports, app.deadbolt, d.clock, {
            ...parseSelfTestRequest(body),
            cameraConfirmMs: d.selfTest.cameraConfirmMs,
            strokeTimeoutMs: d.selfTest.strokeTimeoutMs,
            cameraBusy: (app.supervisor?.active ?? 0) > 0,
          });
          log.info({ event: 'self-test', ok: report.ok }, `self-test ${report.ok ? 'passed' : 'found a fault'}`);
          return toCbor(report) as Map<string, unknown>;
        },
      }),
    },
    { windowMs: d.config.windowMs, factoryResetHoldMs: d.config.factoryResetHoldMs, idleTimeoutMs: d.config.idleTimeoutMs },
  );
  server.events.on('window', (e) => log.info({ event: 'pairing-window', ...e }, e.reason === 'button' ? 'pair button pressed: pairing window open' : 'paired: pairing window open for the self-test'));
  server.events.on('held', (e) => log.info({ event: 'pair-button-held', ...e }, 'pair button held: a factory reset is possible while it stays down'));
  server.events.on('request', (e) => {
    const line = `installer ${e.op ?? 'request'}: ${e.ok ? 'done' : `refused (${e.code})`}`;
    if (e.ok) log.info({ event: 'pairing', ...e }, line);
    else log.warn({ event: 'pairing', ...e }, line);
  });
  log.info({ event: 'pairing-ready', port: d.config.port, paired: isPaired(d.stateDir) }, `installer serial line on ${d.config.port}`);
  return server;
}

/** The pairing on disk, or null when there is none or it cannot be read (boot has reported it). */
function readablePairing(stateDir: string): PairedSections | null {
  try {
    return readPaired(stateDir);
  } catch {
    return null;
  }
}
