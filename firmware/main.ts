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
import type { SerialLink } from '../hal/ports/serial-link.js';
import { type App, createApp } from './app.js';
import { type LockConfig, loadLockConfig } from './config.js';
import { createLogger, type Logger } from './log.js';
import { readClockOffset, readPaired } from './pairing/paired-state.js';
import { toCbor } from './pairing/plain.js';
import type { PairingServer } from './pairing/server.js';
import { OffsetClock } from './util/offset-clock.js';
import { scopePorts } from './util/scoped-ports.js';
import { FIRMWARE_VERSION } from './version.js';

export interface BootOptions {
  board: string;
  boardsPath?: string;
  config: LockConfig;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
  /** Open the installer's serial line; by default serialport on `config.pairing.port`. */
  openSerial?: (path: string, baudRate: number) => Promise<SerialLink>;
}

export interface Booted {
  /** The lock's services now (they are rebuilt after a pairing or a factory reset). */
  readonly app: App;
  profile: BoardProfile;
  /** What the IO plugin loader made besides the plugin: the simulated world, on the sim board. */
  world: unknown;
  /** The installer's serial server, when `pairing` is configured. */
  pairing: PairingServer | null;
  /** Stop the services (bolt left safe), the serial server and the board. */
  stop(): Promise<void>;
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

interface Hardware {
  ports: BoardPorts;
  profile: BoardProfile;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
}

interface Services {
  app: App;
  stop(): Promise<void>;
}

export async function boot(options: BootOptions): Promise<Booted> {
  const stateDir = options.config.stateDir ?? null;
  const boardClock = options.clock ?? systemClock;
  // The installer may correct the board's clock at pairing (boards without a real-time clock).
  const clock = stateDir ? new OffsetClock(boardClock, readClockOffset(stateDir)) : boardClock;
  const random = options.random ?? cryptoRandom;
  const profile = loadBoard(options.boardsPath ?? 'boards.json', options.board);
  const loader = IO_PLUGINS[profile.io.plugin];
  if (!loader)
    throw new Error(
      `board "${options.board}": unknown IO plugin "${profile.io.plugin}"; known: ${Object.keys(IO_PLUGINS).join(', ')}`,
    );
  const { io, world } = await loader(profile, clock, random);
  const board = await openBoard(io);
  const ports = createJohnnyFivePorts(board, profile, clock);
  // The simulated board's phone reader is a port-level device (as an NFC module on a UART is).
  if (world instanceof Object && 'credentialReader' in world) {
    const devices = world as { credentialReader: BoardPorts['credentials']; barcodeReader?: BoardPorts['barcode'] | null };
    ports.credentials = devices.credentialReader;
    ports.barcode = devices.barcodeReader ?? undefined;
  }
  // A real board's barcode scanner (parcel boxes) is a serial device named in the profile.
  if (profile.devices.barcode && !ports.barcode) {
    const [{ openSerialLink }, { SerialBarcodeReader }] = await Promise.all([import('../hal/node/serial-link.js'), import('../hal/node/serial-barcode.js')]);
    ports.barcode = new SerialBarcodeReader(await openSerialLink(profile.devices.barcode.path, profile.devices.barcode.baudRate));
  }
  await ports.ready();
  const hw: Hardware = { ports, profile, clock, random, logger: options.logger };

  // What pairing wrote overrides the config file's access and mqtt sections.
  const configNow = (): LockConfig => {
    if (!stateDir || !options.config.pairing) return options.config;
    const paired = readPaired(stateDir);
    return paired ? { ...options.config, access: paired.access, mqtt: paired.mqtt } : { ...options.config, access: undefined, mqtt: undefined };
  };
  let services = await startServices(hw, configNow());
  let pairing: PairingServer | null = null;
  let serial: SerialLink | null = null;

  if (options.config.pairing && stateDir && clock instanceof OffsetClock) {
    const p = options.config.pairing;
    const [{ PairingServer }, { installerHandlers }, { runSelfTest }, { loadOrCreateIdentity }] = await Promise.all([
      import('./pairing/server.js'), import('./pairing/installer.js'), import('./pairing/self-test.js'), import('./identity.js'),
    ]);
    const identity = loadOrCreateIdentity(stateDir, random);
    const open = options.openSerial ?? (await import('../hal/node/serial-link.js')).openSerialLink;
    serial = await open(p.port, p.baudRate);
    const plog = options.logger.child({ module: 'pairing' });
    let queue = Promise.resolve();
    pairing = new PairingServer(
      {
        link: serial,
        // Windows and hold times are durations: measured on the board's clock, which set-time does not move.
        clock: boardClock,
        pairButton: ports.pairButton,
        handlers: installerHandlers({
          stateDir, identity, clock, board: options.board, firmwareVersion: FIRMWARE_VERSION,
          current: () => readPaired(stateDir),
          restart: (change) => {
            // One rebuild at a time: stop the services (bolt left safe), change the files, start again.
            const run = queue.then(async () => {
              await services.stop();
              try {
                change();
              } finally {
                // Whatever the files now say (the old pairing, if the change failed), the lock runs again.
                services = await startServices(hw, configNow());
              }
            });
            queue = run.catch(() => {});
            return run;
          },
          selfTest: async (body) => {
            const wait = body.get('keypadWaitMs');
            const report = await runSelfTest(ports, services.app.deadbolt, clock, {
              keypadWaitMs: typeof wait === 'number' && Number.isInteger(wait) && wait >= 0 && wait <= 60_000 ? wait : 0,
              cameraConfirmMs: options.config.delivery.cameraConfirmMs,
              strokeTimeoutMs: profile.devices.bolt.travelTimeoutMs * 3 + 1_000,
              cameraBusy: (services.app.supervisor?.active ?? 0) > 0,
            });
            plog.info({ event: 'self-test', ok: report.ok }, `self-test ${report.ok ? 'passed' : 'found a fault'}`);
            return toCbor(report) as Map<string, unknown>;
          },
        }),
      },
      { windowMs: p.windowMs, factoryResetHoldMs: p.factoryResetHoldMs, idleTimeoutMs: p.idleTimeoutMs },
    );
    pairing.events.on('window', (e) => plog.info({ event: 'pairing-window', ...e }, e.reason === 'button' ? 'pair button pressed: pairing window open' : 'paired: pairing window open for the self-test'));
    pairing.events.on('held', (e) => plog.info({ event: 'pair-button-held', ...e }, 'pair button held: a factory reset is possible while it stays down'));
    pairing.events.on('request', (e) => {
      const line = `installer ${e.op ?? 'request'}: ${e.ok ? 'done' : `refused (${e.code})`}`;
      if (e.ok) plog.info({ event: 'pairing', ...e }, line);
      else plog.warn({ event: 'pairing', ...e }, line);
    });
    plog.info({ event: 'pairing-ready', port: p.port, paired: readPaired(stateDir) !== null }, `installer serial line on ${p.port}`);
  }

  return {
    get app() {
      return services.app;
    },
    profile,
    world,
    pairing,
    async stop() {
      pairing?.close();
      await services.stop();
      await serial?.close();
      ports.barcode?.close();
      await ports.close();
    },
  };
}

/** The services on a config: access core, outbox, app (started), MQTT link and Home Assistant. */
async function startServices(hw: Hardware, config: LockConfig): Promise<Services> {
  const { clock, random, profile } = hw;
  // Subscriptions made here (not through the app) are dropped with the services.
  const scope = scopePorts(hw.ports);
  const ports = scope.ports;
  // Access and sync load only on a paired lock (they cost ~150 ms of imports an unpaired lock never needs).
  const access = config.access ? await openAccess(config.access, clock, random) : undefined;
  const mqttConfig = config.mqtt;
  let outbox = null;
  if (access && mqttConfig) {
    const [{ Outbox }, { loadOrCreateIdentity }] = await Promise.all([import('./sync/outbox.js'), import('./identity.js')]);
    const stateDir = config.access!.stateDir;
    // A paired lock signs with the device key of its own state directory; a hand-configured one keeps it beside its data.
    outbox = new Outbox(stateDir, loadOrCreateIdentity(config.stateDir ?? stateDir, random), clock, { lockId: access.core.config.lockId, cap: mqttConfig.outboxCap });
  }
  const app = createApp({
    ports,
    clock,
    random,
    logger: hw.logger,
    config,
    bolt: {
      travelTimeoutMs: profile.devices.bolt.travelTimeoutMs,
      backoffMs: profile.devices.bolt.backoffMs,
    },
    access,
    outbox: outbox ?? undefined,
  });
  app.start();
  let link: { stop(): Promise<void> } | null = null;
  if (access && mqttConfig && outbox) {
    // The lock decides at the door before its network is up: MQTT.js (~90 ms to load) comes after ready.
    const [{ MqttLink }, { syncHandlers }, ha] = await Promise.all([import('./sync/link.js'), import('./sync/service.js'), import('./sync/home-assistant.js')]);
    const read = (path?: string) => (path ? readFileSync(path) : undefined);
    const handlers = syncHandlers(access.core, outbox, app.local);
    const mqttLink = new MqttLink(
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
      const publishState = () => mqttLink.publishRetained(topics.state, JSON.stringify(ha.lockState(app.deadbolt, app.local, ports.battery?.readLevel() ?? null, app.supervisor?.activeAlarms)));
      mqttLink.events.on('connected', () => {
        mqttLink.publishRetained(topics.discovery, JSON.stringify(ha.discoveryConfig(options)));
        publishState();
      });
      for (const e of ['state', 'door', 'alarm'] as const) app.deadbolt.events.on(e, publishState);
      app.local?.events.on('mode', publishState);
      app.supervisor?.events.on('alarm', publishState);
      ports.battery?.onLevel(publishState);
    }
    mqttLink.start();
    link = mqttLink;
  }
  return {
    app,
    async stop() {
      await app.stop({ keepBoard: true }); // the last bolt and door events go to the outbox first
      scope.release();
      await link?.stop();
      outbox?.close();
      access?.store.close();
    },
  };
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
export function handleSignals(app: { stop(): Promise<void> }, logger: Logger, exit: (code: number) => void = process.exit): void {
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
  const booted = await boot({ board: values.board!, boardsPath: values.boards, config, logger });
  handleSignals(booted, logger);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`lock: ${(error as Error).message}`);
    process.exit(1);
  });
}
