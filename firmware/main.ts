// Process entry and the one composition root: config + boards.json -> IO plugin (by name, via
// dynamic import) -> johnny-five drivers -> ports -> app. Handles SIGINT/SIGTERM so the bolt is
// left as configured (fail-secure by default) and the motor is never left driven.

import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BoardProfile, loadBoard } from '../hal/boards.js';
import { createJohnnyFivePorts, openBoard } from '../hal/johnny-five/ports.js';
import { systemClock } from '../hal/node/clock.js';
import { cryptoRandom } from '../hal/node/random.js';
import type { Clock } from '../hal/ports/clock.js';
import type { BoardPorts } from '../hal/ports/index.js';
import type { RandomSource } from '../hal/ports/random.js';
import { type App, createApp } from './app.js';
import { type LockConfig, loadLockConfig } from './config.js';
import { createLogger, type Logger } from './log.js';

export interface BootOptions {
  board: string;
  boardsPath?: string;
  config: LockConfig;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
}

export interface Booted {
  app: App;
  profile: BoardProfile;
  /** What the IO plugin loader made besides the plugin: the simulated world, on the sim board. */
  world: unknown;
}

interface LoadedPlugin {
  io: unknown;
  world?: unknown;
}

type PluginLoader = (profile: BoardProfile, clock: Clock, random: RandomSource) => Promise<LoadedPlugin>;

/** IO plugins by the name boards.json gives them. Real-board plugins are optional installs. */
const IO_PLUGINS: Record<string, PluginLoader> = {
  async sim(profile, clock, random) {
    const { SimBoard } = await import('../sim/board.js');
    const world = new SimBoard(profile, { clock, random });
    return { io: world.io, world };
  },
  'pi-io': (profile) => loadPackagePlugin('pi-io', profile),
  'beaglebone-io': (profile) => loadPackagePlugin('beaglebone-io', profile),
};

async function loadPackagePlugin(name: string, profile: BoardProfile): Promise<LoadedPlugin> {
  let mod: { default: new (options?: unknown) => unknown };
  try {
    mod = await import(name);
  } catch (error) {
    throw new Error(
      `this board needs the IO plugin package "${name}": run "npm install ${name}" on the board`,
      { cause: error },
    );
  }
  return { io: new mod.default(profile.io.options) };
}

export async function boot(options: BootOptions): Promise<Booted> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const profile = loadBoard(options.boardsPath ?? 'boards.json', options.board);
  const loader = IO_PLUGINS[profile.io.plugin];
  if (!loader)
    throw new Error(
      `board "${options.board}": unknown IO plugin "${profile.io.plugin}"; known: ${Object.keys(IO_PLUGINS).join(', ')}`,
    );
  const { io, world } = await loader(profile, clock, random);
  // Access and sync load only on a paired lock (they cost ~150 ms of imports an unpaired lock never needs).
  const access = options.config.access ? await openAccess(options.config.access, clock, random) : undefined;
  const mqttConfig = options.config.mqtt;
  let outbox = null;
  if (access && mqttConfig) {
    const [{ Outbox }, { loadOrCreateIdentity }] = await Promise.all([import('./sync/outbox.js'), import('./identity.js')]);
    const stateDir = options.config.access!.stateDir;
    outbox = new Outbox(stateDir, loadOrCreateIdentity(stateDir, random), clock, { lockId: access.core.config.lockId, cap: mqttConfig.outboxCap });
  }
  const board = await openBoard(io);
  const ports = createJohnnyFivePorts(board, profile, clock);
  // The simulated board's phone reader is a port-level device (as an NFC module on a UART is).
  if (world instanceof Object && 'credentialReader' in world) {
    const devices = world as { credentialReader: BoardPorts['credentials']; barcodeReader?: BoardPorts['barcode'] | null };
    ports.credentials = devices.credentialReader;
    ports.barcode = devices.barcodeReader ?? undefined;
  }
  await ports.ready();
  const app = createApp({
    ports,
    clock,
    random,
    logger: options.logger,
    config: options.config,
    bolt: {
      travelTimeoutMs: profile.devices.bolt.travelTimeoutMs,
      backoffMs: profile.devices.bolt.backoffMs,
    },
    access,
    outbox: outbox ?? undefined,
  });
  app.start();
  if (access && mqttConfig && outbox) {
    // The lock decides at the door before its network is up: MQTT.js (~90 ms to load) comes after ready.
    const [{ MqttLink }, { syncHandlers }, ha] = await Promise.all([import('./sync/link.js'), import('./sync/service.js'), import('./sync/home-assistant.js')]);
    const read = (path?: string) => (path ? readFileSync(path) : undefined);
    const handlers = syncHandlers(access.core, outbox, app.local);
    const link = new MqttLink(
      {
        url: mqttConfig.url, lockId: access.core.config.lockId, username: mqttConfig.username,
        password: read(mqttConfig.passwordFile)?.toString('utf8').trim(), ca: read(mqttConfig.caFile), cert: read(mqttConfig.certFile), key: read(mqttConfig.keyFile),
        protocolVersion: mqttConfig.protocolVersion, clock, random,
      },
      handlers,
      outbox,
    );
    const haConfig = mqttConfig.homeAssistant;
    if (haConfig?.enabled !== false) {
      const lockId = access.core.config.lockId;
      const options = { lockId, name: haConfig?.name ?? `Lock ${lockId}`, unlockNeedsCode: haConfig?.unlockNeedsCode ?? true };
      const topics = ha.haTopics(lockId);
      handlers.haCommand = (payload) => {
        const result = ha.handleHaCommand(payload, app.deadbolt, app.local, options);
        outbox.append('ha-command', new Map(Object.entries(result)), 'security');
      };
      const publishState = () => link.publishRetained(topics.state, JSON.stringify(ha.lockState(app.deadbolt, app.local, ports.battery?.readLevel() ?? null, app.supervisor?.activeAlarms)));
      link.events.on('connected', () => {
        link.publishRetained(topics.discovery, JSON.stringify(ha.discoveryConfig(options)));
        publishState();
      });
      for (const e of ['state', 'door', 'alarm'] as const) app.deadbolt.events.on(e, publishState);
      app.local?.events.on('mode', publishState);
      app.supervisor?.events.on('alarm', publishState);
      ports.battery?.onLevel(publishState);
    }
    link.start();
    const stopApp = app.stop.bind(app);
    Object.assign(app, {
      async stop() {
        await stopApp(); // the last bolt and door events go to the outbox first
        await link.stop();
        outbox.close();
      },
    });
  }
  return { app, profile, world };
}

/** The access core on the lock's state directory, from the `access` config section. */
async function openAccess(config: NonNullable<LockConfig['access']>, clock: Clock, random: RandomSource) {
  const [{ AccessCore, DEFAULT_ACCESS }, { FileStore }] = await Promise.all([import('./access/core.js'), import('./store/file-store.js')]);
  const store = new FileStore(config.stateDir);
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  const core = new AccessCore(
    { ...DEFAULT_ACCESS, provider: config.provider, lockId: config.lockId, timeZone: config.timeZone, ownerKeys: config.ownerKeys.map(hex) },
    { clock, random, store },
  );
  let keypadSecret: Uint8Array | null = null;
  if (config.keypadSecretFile) {
    const text = readFileSync(config.keypadSecretFile, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`access.keypadSecretFile ${config.keypadSecretFile}: must hold 64 hex digits`);
    keypadSecret = hex(text);
  }
  return { core, store, keypadSecret };
}

/** Stop cleanly on the first signal; a second signal, or a stuck shutdown, forces the exit. */
export function handleSignals(app: App, logger: Logger, exit: (code: number) => void = process.exit): void {
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
    app.stop().then(
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
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      board: { type: 'string', default: 'sim' },
      boards: { type: 'string', default: 'boards.json' },
      config: { type: 'string' },
      pretty: { type: 'boolean', default: process.stdout.isTTY === true },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadLockConfig(values.config ?? null);
  const logger = createLogger({ level: config.logLevel, pretty: values.pretty && !values.json });
  const { app } = await boot({ board: values.board!, boardsPath: values.boards, config, logger });
  handleSignals(app, logger);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`lock: ${(error as Error).message}`);
    process.exit(1);
  });
}
