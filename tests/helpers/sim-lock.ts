// Test harness: the real firmware app on the real johnny-five drivers on the simulated board,
// on simulated time. Tests act through `control` (the world) and observe `world` and `events`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import type { LockoutConfig } from '../../firmware/keypad/lockout.js';
import type { AccessEvent } from '../../firmware/local-access.js';
import type { DeliveryEvent } from '../../firmware/camera/supervisor.js';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { type App, createApp } from '../../firmware/app.js';
import { type LockConfig, parseLockConfig } from '../../firmware/config.js';
import type { DeadboltEvents } from '../../firmware/lock/types.js';
import { createLogger } from '../../firmware/log.js';
import { type BoardProfile, loadBoard } from '../../hal/boards.js';
import { createJohnnyFivePorts, type JohnnyFivePorts, openBoard } from '../../hal/johnny-five/ports.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { seededRandom } from '../../hal/node/random.js';
import { SimBoard, type SimBoardOptions } from '../../sim/board.js';
import { SimControl } from '../../sim/control/control.js';
import { installSimTime, type SimTime } from '../../sim/time.js';

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
  ports: JohnnyFivePorts;
  app: App;
  profile: BoardProfile;
  events: Recorded[];
  logLines: string[];
  /** The access core, when the lock was started paired (`access` option). */
  core: AccessCore | null;
  /** The durable signed-event outbox of a paired lock (nothing publishes it here). */
  outbox: Outbox | null;
  /** Access, lockout and mode events of the paired lock, across restarts. */
  localEvents: ({ type: 'access' } & AccessEvent | { type: 'lockout'; active: boolean; forMs: number } | { type: 'mode'; mode: string })[];
  /** Supervised-visit steps and their alarms (camera, relock deadline), with the simulated time. */
  visitEvents: ({ type: 'delivery'; at: number } & DeliveryEvent | { type: 'alarm'; at: number; kind: string; active: boolean; grant: string | null })[];
  /** Stop the firmware (shutdown as configured) and boot it again on the same world and state. */
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
    start?: boolean;
    /** Keep every event and log line (tests); off for long benchmark runs. */
    record?: boolean;
    /** Boot paired: an access core on a FileStore, keypad and reader wired. */
    access?: SimAccessSetup;
    /** Simulated wall-clock start (ms since the epoch). */
    startMs?: number;
  } = {},
): Promise<SimLock> {
  const sim = await startSimPorts(options);
  const { time, world, control, profile } = sim;
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  const record = options.record !== false;
  const logger = createLogger({ level: record ? 'debug' : 'silent', destination });
  const config = parseLockConfig(options.config ?? {});
  const stateDir = options.access ? (options.access.stateDir ?? mkdtempSync(join(tmpdir(), 'lock-state-'))) : null;
  const events: Recorded[] = [];
  const localEvents: SimLock['localEvents'] = [];
  const visitEvents: SimLock['visitEvents'] = [];

  const bootApp = (ports: JohnnyFivePorts) => {
    ports.credentials = world.credentialReader;
    ports.barcode = world.barcodeReader ?? undefined;
    let core: AccessCore | null = null;
    let store: FileStore | null = null;
    let outbox: Outbox | null = null;
    if (options.access && stateDir) {
      store = new FileStore(stateDir);
      outbox = new Outbox(stateDir, loadOrCreateIdentity(stateDir, seededRandom(7)), time.clock, { lockId: options.access.lockId, cap: 100_000 });
      const a = options.access;
      core = new AccessCore({ ...DEFAULT_ACCESS, lockId: a.lockId, timeZone: a.timeZone, ownerKeys: a.ownerKeys }, { clock: time.clock, random: seededRandom(3), store });
    }
    const app = createApp({
      ports, clock: time.clock, random: seededRandom(2), logger, config,
      bolt: { travelTimeoutMs: profile.devices.bolt.travelTimeoutMs, backoffMs: profile.devices.bolt.backoffMs },
      access: core && store ? { core, store, keypadSecret: options.access!.keypadSecret, lockout: options.access!.lockout } : undefined,
      outbox: outbox ?? undefined,
    });
    for (const type of record ? (['state', 'operation', 'alarm', 'manual', 'door'] as const) : []) {
      app.deadbolt.events.on(type, (payload) => events.push({ type, at: time.now(), ...payload } as Recorded));
    }
    app.local?.events.on('access', (e) => localEvents.push({ type: 'access', ...e }));
    app.local?.events.on('lockout', (e) => localEvents.push({ type: 'lockout', ...e }));
    app.local?.events.on('mode', (e) => localEvents.push({ type: 'mode', ...e }));
    app.supervisor?.events.on('delivery', (e) => visitEvents.push({ type: 'delivery', at: time.now(), ...e }));
    app.supervisor?.events.on('alarm', (e) => visitEvents.push({ type: 'alarm', at: time.now(), ...e }));
    return { app, core, store, outbox };
  };

  let booted = bootApp(sim.ports);
  if (options.start !== false) booted.app.start();
  const lock: SimLock = {
    time, world, control, ports: sim.ports, app: booted.app, profile, events, logLines, core: booted.core, localEvents, visitEvents, outbox: booted.outbox,
    async restart() {
      await settle(booted.app.stop(), time);
      booted.store?.close();
      booted.outbox?.close();
      purgeJohnnyFive();
      const board = await openBoard(world.io);
      const ports = createJohnnyFivePorts(board, profile, time.clock);
      await settle(ports.ready(), time);
      booted = bootApp(ports);
      booted.app.start();
      Object.assign(lock, { ports, app: booted.app, core: booted.core, outbox: booted.outbox });
    },
    async close() {
      try {
        await settle(booted.app.stop(), time);
      } finally {
        booted.store?.close();
        booted.outbox?.close();
        sim.release();
      }
    },
  };
  return lock;
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
