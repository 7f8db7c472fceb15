// Test harness: the real firmware app on the real johnny-five drivers on the simulated board,
// on simulated time. Tests act through `control` (the world) and observe `world` and `events`.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AccessCore } from '../../firmware/access/core.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import type { App } from '../../firmware/app.js';
import type { RunningLock } from '../../firmware/boot.js';
import type { DeliveryEvent } from '../../firmware/camera/supervisor.js';
import { type LockConfig, parseLockConfig } from '../../firmware/config.js';
import type { LockoutConfig } from '../../firmware/keypad/lockout.js';
import type { AccessEvent } from '../../firmware/local-access.js';
import type { DeadboltEvents } from '../../firmware/lock/types.js';
import { createLogger } from '../../firmware/log.js';
import { type Started, startLock } from '../../firmware/main.js';
import type { Outbox } from '../../firmware/sync/outbox.js';
import { type BoardProfile, loadBoard } from '../../hal/boards.js';
import { IO_PLUGINS, type LoadedPlugin } from '../../hal/io-plugins.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import type { Storage } from '../../hal/ports/storage.js';
import { createJohnnyFivePorts, type JohnnyFivePorts, openBoard } from '../../hal/johnny-five/ports.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { seededRandom } from '../../hal/node/random.js';
import { SimBoard, type SimBoardOptions } from '../../sim/board.js';
import { SimControl } from '../../sim/control/control.js';
import { installSimTime, type SimTime } from '../../sim/time.js';
// What boot imports lazily (a paired lock's services), loaded here up front: on simulated time a
// dynamic import must resolve from the module cache, without real I/O, so boot is deterministic.
import '../../firmware/access/core.js';
import '../../firmware/store/file-store.js';
import '../../firmware/sync/outbox.js';
import '../../firmware/identity.js';
import '../../firmware/sync/service.js';

export type Recorded = {
  [K in keyof DeadboltEvents]: { type: K; at: number } & DeadboltEvents[K];
}[keyof DeadboltEvents];

export interface SimAccessSetup {
  lockId: string;
  timeZone: string;
  ownerKeys: Uint8Array[];
  keypadSecret: Uint8Array;
  /** State directory; a fresh temporary one when absent. */
  stateDir?: string;
  lockout?: LockoutConfig;
}

export interface SimLock {
  time: SimTime;
  world: SimBoard;
  control: SimControl;
  /** The lock as firmware/boot.ts composed it (rebuilt by restart()). */
  readonly running: RunningLock;
  readonly app: App;
  /** The board's ports the lock runs on. */
  readonly ports: BoardPorts;
  profile: BoardProfile;
  events: Recorded[];
  logLines: string[];
  /** The access core, when the lock was started paired (`access` option). */
  readonly core: AccessCore | null;
  /** The durable signed-event outbox of a paired lock (nothing publishes it without `mqtt`). */
  readonly outbox: Outbox | null;
  /** Access, lockout and mode events of the paired lock, across restarts. */
  localEvents: ({ type: 'access' } & AccessEvent | { type: 'lockout'; active: boolean; forMs: number; via: string } | { type: 'mode'; mode: string })[];
  /** Supervised-visit steps and their alarms (camera, relock deadline), with the simulated time. */
  visitEvents: ({ type: 'delivery'; at: number } & DeliveryEvent | { type: 'alarm'; at: number; kind: string; active: boolean; grant: string | null })[];
  /** Stop the firmware (shutdown as configured) and boot it again, through the same path, on the same world and state directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Wait for a promise that needs simulated time to pass, ticking the clock 1 ms at a time. */
export async function settle<T>(promise: Promise<T>, time: SimTime, maxMs = 10_000): Promise<T> {
  let done = false;
  let value: T;
  let failure: unknown = null;
  promise.then(
    (v) => {
      done = true;
      value = v;
    },
    (e: unknown) => {
      done = true;
      failure = e ?? new Error('rejected');
    },
  );
  for (let spent = 0; !done && spent < maxMs; spent++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!done) time.advance(1);
  }
  if (!done) throw new Error(`did not settle within ${maxMs} simulated ms`);
  if (failure) throw failure;
  return value!;
}

export interface SimPorts {
  time: SimTime;
  world: SimBoard;
  control: SimControl;
  ports: JohnnyFivePorts;
  profile: BoardProfile;
  /** Release the simulated board, the fake clock and johnny-five's caches. */
  release(): void;
}

type WorldOptions = Partial<Omit<SimBoardOptions, 'clock' | 'random'>>;

/** A simulated board of the given profile with every johnny-five driver on it, inputs read. */
export async function startSimPorts(
  options: { board?: string; seed?: number; world?: WorldOptions; editProfile?: (p: BoardProfile) => void; startMs?: number } = {},
): Promise<SimPorts> {
  const time = installSimTime(options.startMs);
  try {
    const profile = structuredClone(loadBoard('boards.json', options.board ?? 'sim'));
    options.editProfile?.(profile);
    const world = new SimBoard(profile, {
      clock: time.clock,
      random: seededRandom(options.seed ?? 1),
      ...options.world,
    });
    const control = new SimControl(world, time.clock);
    const board = await openBoard(world.io);
    const ports = createJohnnyFivePorts(board, profile, time.clock);
    ports.credentials = world.credentialReader;
    ports.barcode = world.barcodeReader ?? undefined;
    await settle(ports.ready(), time);
    const release = () => {
      world.io.close();
      time.uninstall();
      purgeJohnnyFive();
    };
    return { time, world, control, ports, profile, release };
  } catch (error) {
    time.uninstall();
    purgeJohnnyFive();
    throw error;
  }
}

/** Start a simulated board of the given profile, boot the firmware on it, and record its events. */
export async function startSimLock(
  options: {
    board?: string;
    config?: Partial<LockConfig>;
    seed?: number;
    world?: WorldOptions;
    /** Keep every event and log line (tests); off for long benchmark runs. */
    record?: boolean;
    /** Boot paired: the access section written as an installer would, keypad secret in a 0600 file. */
    access?: SimAccessSetup;
    /** Simulated wall-clock start (ms since the epoch). */
    startMs?: number;
    /** The storage medium under the state directory (a FaultyStorage to inject disk faults). */
    storage?: Storage;
  } = {},
): Promise<SimLock> {
  const time = installSimTime(options.startMs);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  const record = options.record !== false;
  const logger = createLogger({ level: record ? 'debug' : 'silent', destination });
  const config = parseLockConfig({ ...options.config, ...accessSection(options.access) });
  const events: Recorded[] = [];
  const localEvents: SimLock['localEvents'] = [];
  const visitEvents: SimLock['visitEvents'] = [];
  const random = seededRandom(options.seed ?? 1);

  /** Observe (never compose): the running lock's emitters, re-attached after every boot. */
  const observe = (app: App) => {
    for (const type of record ? (['state', 'operation', 'alarm', 'manual', 'door'] as const) : []) {
      app.deadbolt.events.on(type, (payload) => events.push({ type, at: time.now(), ...payload } as Recorded));
    }
    app.local?.events.on('access', (e) => localEvents.push({ type: 'access', ...e }));
    app.local?.events.on('lockout', (e) => localEvents.push({ type: 'lockout', ...e }));
    app.local?.events.on('mode', (e) => localEvents.push({ type: 'mode', ...e }));
    app.supervisor?.events.on('delivery', (e) => visitEvents.push({ type: 'delivery', at: time.now(), ...e }));
    app.supervisor?.events.on('alarm', (e) => visitEvents.push({ type: 'alarm', at: time.now(), ...e }));
  };
  const board = options.board ?? 'sim';
  const profile = loadBoard('boards.json', board);
  const bootOn = async (plugin?: LoadedPlugin) => {
    // A real board's profile runs on the simulator laid out with that board's wiring and rules.
    plugin ??= await IO_PLUGINS.sim!(profile, time.clock, random, options.world);
    return settle(startLock({ board, config, logger, clock: time.clock, random, plugin, observe, storage: options.storage }), time);
  };

  let started: Started;
  try {
    started = await bootOn();
  } catch (error) {
    time.uninstall();
    purgeJohnnyFive();
    throw error;
  }
  const world = started.world!;
  const control = new SimControl(world, time.clock);
  const lock: SimLock = {
    time, world, control, profile, events, logLines, localEvents, visitEvents,
    get running() {
      return started.lock;
    },
    get app() {
      return started.lock.app;
    },
    get ports() {
      return started.lock.ports;
    },
    get core() {
      return started.lock.app.core;
    },
    get outbox() {
      return started.lock.app.outbox;
    },
    async restart() {
      await settle(started.lock.stop(), time);
      purgeJohnnyFive();
      started = await bootOn(started.plugin);
    },
    async close() {
      try {
        await settle(started.lock.stop(), time);
      } finally {
        world.io.close();
        time.uninstall();
        purgeJohnnyFive();
      }
    },
  };
  return lock;
}

/** The access section as an installer leaves it: owner keys in hex, the keypad secret in a 0600 file. */
function accessSection(setup: SimAccessSetup | undefined): Partial<LockConfig> {
  if (!setup) return {};
  const stateDir = setup.stateDir ?? mkdtempSync(join(tmpdir(), 'lock-state-'));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const secretFile = join(stateDir, 'keypad.secret');
  // Installed once, with the first boot's state directory (a restart never repairs what is on disk).
  if (!existsSync(join(stateDir, 'journal'))) writeFileSync(secretFile, `${Buffer.from(setup.keypadSecret).toString('hex')}\n`, { mode: 0o600 });
  return {
    access: { lockId: setup.lockId, timeZone: setup.timeZone, ownerKeys: setup.ownerKeys.map((k) => Buffer.from(k).toString('hex')), stateDir, keypadSecretFile: secretFile, provider: 'node' },
    ...(setup.lockout ? { keypad: { lockout: setup.lockout } } : {}),
  };
}

export const alarmsRaised = (events: Recorded[], kind: string) =>
  events.filter((e) => e.type === 'alarm' && e.kind === kind && e.active).length;

/** The lock's undelivered signed events, opened: what an owner's app will receive, in order. */
export function outboxEvents(lock: SimLock): { seq: number; type: string; data: Map<string, unknown> }[] {
  return lock.outbox!.pending().map((e) => {
    const opened = openSigned(e.bytes, TYP.event, nodeVerifier());
    if (!opened.ok) throw new Error(`outbox event ${e.seq} does not verify: ${opened.reason}`);
    const p = opened.value.payload as Map<number, unknown>;
    return { seq: p.get(2) as number, type: p.get(4) as string, data: p.get(5) as Map<string, unknown> };
  });
}
