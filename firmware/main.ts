// Process entry and wiring root (the Tock board main.rs model: long is fine, policy is not). It reads
// the command line, the config and boards.json, loads the board's IO plugin by name, opens the
// board's ports, and boots the lock through firmware/boot.ts, the one composition every test uses.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBoard } from '../hal/boards.js';
import { type LoadedPlugin, loadIoPlugin, openPorts } from '../hal/io-plugins.js';
import { systemClock } from '../hal/node/clock.js';
import { startServiceNotifier } from '../hal/node/systemd-notify.js';
import { cryptoRandom } from '../hal/node/random.js';
import type { Clock } from '../hal/ports/clock.js';
import type { RandomSource } from '../hal/ports/random.js';
import type { SerialLink } from '../hal/ports/serial-link.js';
import type { Storage } from '../hal/ports/storage.js';
import type { SimBoard, SimBoardOptions } from '../sim/board.js';
import type { App } from './app.js';
import { boot, type RunningLock } from './boot.js';
import { type LockConfig, loadLockConfig } from './config.js';
import { createLogger, type Logger, stdoutSink } from './log.js';
import { handleSignals, handleUncaught } from './process.js';

export interface StartOptions {
  board: string;
  boardsPath?: string;
  config: LockConfig;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
  /** An IO plugin already loaded (a restart on the same simulated world); else loaded by the profile's name. */
  plugin?: LoadedPlugin;
  /** Options for a new simulated world (tests: physics, seed). */
  world?: Partial<SimBoardOptions>;
  openSerial?: (path: string, baudRate: number) => Promise<SerialLink>;
  /** Observers of each new set of services, attached before it starts. */
  observe?: (app: App) => void;
  /** The storage medium (tests inject disk faults). */
  storage?: Storage;
}

export interface Started {
  lock: RunningLock;
  /** The simulated world, on the sim board. */
  world: SimBoard | null;
  plugin: LoadedPlugin;
}

/** The serial line through serialport, loaded only when pairing is configured. */
const openSerialLink = async (path: string, baudRate: number) => (await import('../hal/node/serial-link.js')).openSerialLink(path, baudRate);

/** boards.json -> profile -> IO plugin -> ports -> boot. */
export async function startLock(o: StartOptions): Promise<Started> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? cryptoRandom;
  const profile = loadBoard(o.boardsPath ?? 'boards.json', o.board);
  const plugin = o.plugin ?? (await loadIoPlugin(profile, clock, random, o.world));
  const { ports, world } = await openPorts(profile, plugin, clock);
  await ports.ready();
  const lock = await boot({ ports, board: o.board, profile, config: o.config, logger: o.logger, clock, random, openSerial: o.openSerial ?? openSerialLink, observe: o.observe, storage: o.storage });
  return { lock, world, plugin };
}

/** How long a stop waits for queued log lines to be read (journald slow); then they are dropped. */
const LOG_DRAIN_MS = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      board: { type: 'string', default: 'sim' },
      boards: { type: 'string', default: 'boards.json' },
      config: { type: 'string' },
      pretty: { type: 'boolean' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadLockConfig(values.config ?? null);
  // Pretty by default only at a terminal; with --json process.stdout (a stream to build) is never asked.
  const pretty = !values.json && (values.pretty ?? process.stdout.isTTY === true);
  const logger = createLogger({ level: config.logLevel, pretty });
  // The last lines get a bounded moment to reach a slow reader; a stop never waits on the log longer.
  const flushLog = () => (pretty ? Promise.resolve() : stdoutSink().drain(LOG_DRAIN_MS));
  const starting = startLock({ board: values.board!, boardsPath: values.boards, config, logger }).then(({ lock }) => {
    // Ready: log lines to a pipe or socket now go through a bounded non-blocking queue (firmware/log-sink.ts).
    if (!pretty) stdoutSink().queue();
    // Under systemd (Type=notify): READY now, watchdog pings from this loop, STOPPING before the bolt is secured.
    const notifier = startServiceNotifier(() => Boolean(lock.app), logger);
    return { faults: lock.faults, stop: () => (notifier.stopping(), notifier.stop(), lock.stop().finally(flushLog)) };
  });
  // Signals are handled from the start: a SIGTERM during boot (even right after the ready line)
  // stops the lock once it is up, instead of killing it halfway.
  handleSignals({ stop: () => starting.then((s) => s.stop()) }, logger);
  const service = await starting;
  handleUncaught(service, logger);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`lock: ${(error as Error).message}`);
    process.exit(1);
  });
}
