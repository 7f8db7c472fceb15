// The one composition of the lock. The device (firmware/main.ts), the simulator (sim/main.ts), the
// benchmarks and every in-process test boot through `boot()`: ports of an opened board, a config, a
// clock and a random source in; the running lock out, with `stop()`. What pairing wrote in the state
// directory overrides the config's access and mqtt sections; a restart on the same state directory
// finds everything the lock promised to remember.
import { readFileSync } from 'node:fs';
import type { BoardProfile } from '../hal/boards.js';
import type { Clock } from '../hal/ports/clock.js';
import type { BoardPorts } from '../hal/ports/index.js';
import type { RandomSource } from '../hal/ports/random.js';
import type { SerialLink } from '../hal/ports/serial-link.js';
import type { Storage } from '../hal/ports/storage.js';
import type { AccessCore } from './access/core.js';
import { type App, createApp } from './app.js';
import { ConfigError, type LockConfig } from './config.js';
import { reportDamage, reportJournalDamage, settleAfterReady } from './after-ready.js';
import { FaultMonitor } from './faults.js';
import type { Logger } from './log.js';
import { readClockOffset, readPaired } from './pairing/paired-state.js';
import type { PairingServer } from './pairing/server.js';
import type { FileStore } from './store/file-store.js';
import type { Outbox } from './sync/outbox.js';
import type { LinkHandlers, MqttLink } from './sync/link.js';
import type { SyncService } from './sync/start.js';
import { OffsetClock } from './util/offset-clock.js';
import { fromHex as hex } from './util/hex.js';
import { FIRMWARE_VERSION } from './version.js';

export interface BootOptions {
  /** The opened board's ports, inputs read (hal/io-plugins.ts). The lock owns them: stop() closes them. */
  ports: BoardPorts;
  /** The board's name in boards.json, and its profile (bolt timings). */
  board: string;
  profile: BoardProfile;
  config: LockConfig;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  /** Opens the installer's serial line (`config.pairing.port`); needed when `pairing` is configured. */
  openSerial?: (path: string, baudRate: number) => Promise<SerialLink>;
  /** The storage medium under the state directory (default: the real file system; tests inject faults). */
  storage?: Storage;
  /** Called with each new set of services before it starts (at boot and every rebuild): observers attach here. */
  observe?: (app: App) => void;
}

export interface RunningLock {
  /** The lock's services now (rebuilt after a pairing or a factory reset). */
  readonly app: App;
  /** The installer's serial server, when `pairing` is configured. */
  readonly pairing: PairingServer | null;
  /** The MQTT link of the services now, when `mqtt` is configured (observers watch it; tests too). */
  readonly link: MqttLink | null;
  /**
   * The lock's handlers of inbound messages (what arrives on `locks/<id>/revocations`, `heartbeat`,
   * `grants`, `commands`), on a paired lock, with or without a broker: each outcome a signed event.
   */
  readonly inbound: LinkHandlers | null;
  /** Listener faults caught since boot (counted, logged once per code, a `fault` alarm). */
  readonly faults: FaultMonitor;
  /** The board's ports (the lock owns them; self-test reads them). */
  readonly ports: BoardPorts;
  /** The clock the lock decides on: the board's, plus the installer's correction. */
  readonly clock: Clock;
  /** Stop the services (bolt left safe), apply `change`, and start them again on what the files say. */
  rebuild(change?: () => void): Promise<void>;
  /** Stop the services (bolt left safe), the serial server and the board. */
  stop(): Promise<void>;
}

interface Services {
  app: App;
  link: MqttLink | null;
  inbound: LinkHandlers | null;
  /** Withdraw what the lock announced on MQTT (Home Assistant discovery), before a factory reset. */
  withdraw(): Promise<void>;
  stop(): Promise<void>;
}

interface Shared {
  ports: BoardPorts;
  profile: BoardProfile;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  faults: FaultMonitor;
  observe?: (app: App) => void;
  storage?: Storage;
}

export async function boot(options: BootOptions): Promise<RunningLock> {
  const { config, logger, ports } = options;
  const stateDir = config.stateDir ?? null;
  // The installer may correct the board's clock at pairing (boards without a real-time clock).
  const clock = stateDir ? new OffsetClock(options.clock, readClockOffset(stateDir)) : options.clock;
  const shared: Shared = { ports, profile: options.profile, clock, random: options.random, logger, faults: new FaultMonitor(logger), observe: options.observe, storage: options.storage };

  /** What pairing wrote overrides the config file's access and mqtt sections (the file's `pairing.mqtt` settings still apply). */
  const configNow = (): LockConfig => {
    if (!stateDir || !config.pairing) return config;
    try {
      const paired = readPaired(stateDir);
      const local = Object.fromEntries(Object.entries(config.pairing.mqtt ?? {}).filter(([, value]) => value !== undefined));
      return { ...config, access: paired?.access, mqtt: paired?.mqtt && { ...paired.mqtt, ...local } };
    } catch (error) {
      // A damaged pairing: the lock runs without access (nothing opens) and says which file and field.
      logger.error({ event: 'state-damaged', file: 'paired/config.json', err: { message: (error as Error).message } }, `paired state damaged: ${(error as Error).message}`);
      return { ...config, access: undefined, mqtt: undefined };
    }
  };

  let services = await startServices(shared, configNow());
  let queue = Promise.resolve();
  const rebuild = (change?: () => void): Promise<void> => {
    // One rebuild at a time: stop the services (bolt left safe), change the files, start again.
    const run = queue.then(async () => {
      await services.stop();
      try {
        change?.();
      } finally {
        // Whatever the files now say (the old pairing, if the change failed), the lock runs again.
        services = await startServices(shared, configNow());
      }
    });
    queue = run.catch(() => {});
    return run;
  };

  let pairing: PairingServer | null = null;
  let serial: SerialLink | null = null;
  if (config.pairing && stateDir && clock instanceof OffsetClock) {
    if (!options.openSerial) throw new ConfigError('pairing: this build cannot open a serial line', 'pairing');
    const { startPairing } = await import('./pairing/attach.js');
    serial = await options.openSerial(config.pairing.port, config.pairing.baudRate);
    pairing = startPairing({
      config: config.pairing, stateDir, boardClock: options.clock, clock, random: options.random, ports, link: serial, logger,
      board: options.board, firmwareVersion: FIRMWARE_VERSION,
      app: () => services.app,
      rebuild: (change) => rebuild(change),
      beforeReset: () => services.withdraw(),
      selfTest: { cameraConfirmMs: config.delivery.cameraConfirmMs, strokeTimeoutMs: options.profile.devices.bolt.travelTimeoutMs * 3 + 1_000 },
    });
    pairing.events.catchFaults(shared.faults.sink('pairing'));
  }

  return {
    get app() {
      return services.app;
    },
    get link() {
      return services.link;
    },
    get inbound() {
      return services.inbound;
    },
    pairing,
    faults: shared.faults,
    ports,
    clock,
    rebuild,
    async stop() {
      pairing?.close();
      await queue;
      await services.stop();
      await serial?.close();
      await ports.close();
    },
  };
}

/** The services on a config: access core, outbox, app (started), then the network side. */
async function startServices(shared: Shared, config: LockConfig): Promise<Services> {
  const { clock, random, profile, ports } = shared;
  // Access and sync load only on a paired lock (they cost ~150 ms of imports an unpaired lock never needs).
  const access = config.access ? await openAccess(config, shared) : undefined;
  const app = createApp({
    ports,
    clock,
    random,
    logger: shared.logger,
    config,
    bolt: { travelTimeoutMs: profile.devices.bolt.travelTimeoutMs, backoffMs: profile.devices.bolt.backoffMs },
    access: access && { core: access.core, store: access.store, keypadSecret: access.keypadSecret, lockout: config.keypad?.lockout },
    outbox: access?.outbox,
    faults: shared.faults,
  });
  shared.observe?.(app);
  app.start();
  // After ready: this loads the Ed25519 binding (libsodium), and says once if it could not.
  if (access?.core.verifierFallback) shared.logger.warn({ event: 'verifier-fallback' }, access.core.verifierFallback);
  // The outbox backlog and the stored grants are read after ready, so a large state does not delay the boot.
  const settling = access ? settleAfterReady(access, shared) : null;
  let sync: SyncService | null = null;
  // What the lock does with each inbound message (revocations, heartbeats, grants, commands): the
  // MQTT link is one transport for them; the simulator and tests hand messages in the same way.
  const inbound = access ? (await import('./sync/service.js')).syncHandlers(access.core, access.outbox, app.local) : null;
  if (access && inbound && config.mqtt) {
    const { startSync } = await import('./sync/start.js');
    sync = await startSync({ config: config.mqtt, core: access.core, outbox: access.outbox, app, handlers: inbound, ports, clock, random, log: shared.logger });
  }
  return {
    app,
    link: sync?.link ?? null,
    inbound,
    withdraw: async () => sync?.withdraw(),
    async stop() {
      settling?.stop(); // what is left is read and verified at the next boot
      await app.stop({ keepBoard: true }); // the last bolt and door events go to the outbox first
      await sync?.stop();
      access?.outbox.close();
      access?.store.close();
    },
  };
}

interface OpenedAccess {
  core: AccessCore;
  store: FileStore;
  outbox: Outbox;
  keypadSecret: Uint8Array | null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The access core on the lock's state directory, and the signed-event outbox beside it: a paired
 * lock keeps its audit trail even before (or without) a broker, and sends it when one is set.
 */
async function openAccess(config: LockConfig, { clock, random, storage, logger, faults }: Shared): Promise<OpenedAccess> {
  const a = config.access!;
  const [{ AccessCore, DEFAULT_ACCESS }, { FileStore }, { Outbox }, { loadDeviceIdentity }] = await Promise.all([
    import('./access/core.js'),
    import('./store/file-store.js'),
    import('./sync/outbox.js'),
    import('./identity.js'),
  ]);
  const damaged: Map<string, unknown>[] = [];
  let keypadSecret: Uint8Array | null = null;
  if (a.keypadSecretFile) {
    // A damaged or missing secret: the keypad refuses every code (nothing opens more), and says why.
    const text = readText(a.keypadSecretFile);
    if (text !== null && /^[0-9a-f]{64}$/.test(text)) keypadSecret = hex(text);
    else damaged.push(new Map<string, unknown>([['file', a.keypadSecretFile.split('/').pop()], ['reason', 'the keypad secret is not 64 hex digits: keypad codes are refused']]));
  }
  const appendFault = (error: unknown) => faults.sink('outbox')(error, 'append');
  const store = new FileStore(a.stateDir, storage, () => clock.now(), clock);
  const core = new AccessCore(
    { ...DEFAULT_ACCESS, provider: a.provider, lockId: a.lockId, timeZone: a.timeZone, ownerKeys: a.ownerKeys.map(hex), maxRevocationEntries: config.maxRevocationEntries ?? DEFAULT_ACCESS.maxRevocationEntries },
    { clock, random, store },
  );
  // A paired lock signs with the device key of its own state directory; a hand-configured one keeps it beside its data.
  const device = loadDeviceIdentity(config.stateDir ?? a.stateDir, random);
  if (device.damaged) damaged.push(new Map<string, unknown>([['file', 'device.key'], ['reason', `${device.damaged}: a new device key was made (pair again for its attestation)`]]));
  const outbox: Outbox = new Outbox(a.stateDir, device.identity, clock, {
    lockId: a.lockId,
    cap: config.mqtt?.outboxCap ?? 50_000,
    capBytes: config.mqtt?.outboxBytes,
    storage,
    onDamage: (d) => reportJournalDamage(outbox, logger, d, appendFault),
    onListenerFault: (error) => faults.sink('outbox')(error, 'append'),
  });
  store.onGrantsDamage = (d) => reportJournalDamage(outbox, logger, d, appendFault);
  // Damage found at open is loud: a log line and a signed event naming the file and offset.
  // The outbox's backlog and the grants file are read after ready; their damage is reported then.
  for (const d of [...store.damage, outbox.replayPending ? null : outbox.damage]) reportJournalDamage(outbox, logger, d, appendFault);
  for (const d of damaged) {
    logger.error({ event: 'state-damaged', ...Object.fromEntries(d) }, `state damaged: ${String(d.get('file'))}: ${String(d.get('reason'))}`);
    reportDamage(outbox, d, appendFault);
  }
  for (const d of core.damagedSnapshots) {
    logger.error({ event: 'state-damaged', ...d }, `state damaged: ${d.file} does not verify or is damaged (${d.reason}); waiting for the owner's retained copy`);
    reportDamage(outbox, new Map<string, unknown>([['file', d.file], ['reason', d.reason]]), appendFault);
  }
  return { core, store, outbox, keypadSecret };
}
