// Builds the lock's services on a set of ports: the deadbolt controller, local access (keypad,
// reader, scanner, modes), supervised visits and the camera, their log lines and signed events.
// Nothing here knows which board, driver or simulator is underneath; firmware/boot.ts calls it.
import type { Clock } from '../hal/ports/clock.js';
import type { BoardPorts } from '../hal/ports/index.js';
import type { RandomSource } from '../hal/ports/random.js';
import type { AccessCore } from './access/core.js';
import type { LockConfig } from './config.js';
import type { EntryOptions } from './keypad/entry.js';
import type { LockoutConfig } from './keypad/lockout.js';
import { Recorder } from './camera/recorder.js';
import { VisitSupervisor } from './camera/supervisor.js';
import { LocalAccess } from './local-access.js';
import type { FaultMonitor } from './faults.js';
import type { Unsubscribe } from '../hal/ports/errors.js';
import type { AccessStore } from './store/store.js';
import type { Outbox } from './sync/outbox.js';
import { Deadbolt } from './lock/deadbolt.js';
import type { Logger } from './log.js';
import { type LockStatus, lockStatus } from './status.js';

export interface AppOptions {
  ports: BoardPorts;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  config: LockConfig;
  /** From the board profile: how long a drive may run, and the backoff after a stall. */
  bolt: { travelTimeoutMs: number; backoffMs: number };
  /** Access at the door, once the lock is paired: the core, its store and the keypad secret. */
  access?: { core: AccessCore; store: AccessStore; keypadSecret: Uint8Array | null; lockout?: LockoutConfig; entry?: EntryOptions };
  /** The durable outbox: every decision, bolt, door, alarm, battery and mode change becomes a signed event. */
  outbox?: Outbox;
  /** Where listener faults go (counted, logged once, a `fault` alarm); the lock keeps deciding. */
  faults: FaultMonitor;
}

export interface App {
  readonly deadbolt: Deadbolt;
  /** Keypad, reader and remote commands; null until the lock is paired. */
  readonly local: LocalAccess | null;
  /** The access core (grants, revocations, heartbeats); null until the lock is paired. */
  readonly core: AccessCore | null;
  /** Supervised visits (deliveries); null until the lock is paired. */
  readonly supervisor: VisitSupervisor | null;
  /** The signed-event outbox of a paired lock. */
  readonly outbox: Outbox | null;
  readonly faults: FaultMonitor;
  /** The state as one value (firmware/status.ts): what the retained state and a status screen show. */
  status(): LockStatus;
  start(): void;
  /**
   * Leave the bolt safe (see config.shutdownPosition), drop every subscription, then release the
   * board, unless `keepBoard` (the services are about to be rebuilt on it: pairing, factory reset).
   */
  stop(options?: { keepBoard?: boolean }): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const { clock, logger, config, ports, faults } = options;
  // Every subscription made here is kept and released in stop(): the services are rebuilt on the same board.
  const subscriptions: Unsubscribe[] = [];
  const deadbolt = new Deadbolt(
    { bolt: ports.bolt, door: ports.door, tamper: ports.tamper, clock },
    {
      travelTimeoutMs: options.bolt.travelTimeoutMs,
      backoffMs: options.bolt.backoffMs,
      autoRelockMs: config.autoRelockMs,
      doorAjarMs: config.doorAjarMs,
      bootAction: config.bootAction,
      shutdownPosition: config.shutdownPosition,
    },
  );
  deadbolt.events.catchFaults(faults.sink('deadbolt'));
  // The bolt's own events go to the audit trail first, so what follows from them comes after them.
  if (options.outbox) recordBolt(options.outbox, deadbolt);
  const log = logger.child({ module: 'lock' });
  // One info line per action: a move the lock makes is its operation line; the steps are details (debug).
  deadbolt.events.on('state', (e) =>
    (e.cause === 'manual' || e.cause === 'sensor' ? log.info : log.debug).call(log, { event: 'state', ...e }, `bolt ${e.from} -> ${e.to} (${e.cause})`),
  );
  deadbolt.events.on('operation', (e) =>
    log.info({ event: 'operation', ...e }, `${e.op} ${e.outcome} in ${(e.ms / 1000).toFixed(1)} s (${e.cause})`),
  );
  deadbolt.events.on('manual', (e) =>
    log.info({ event: 'manual', ...e }, `thumb-turn moved the bolt to ${e.position}`),
  );
  deadbolt.events.on('door', (e) => log.info({ event: 'door', ...e }, `door ${e.state}`));
  deadbolt.events.on('alarm', (e) => {
    const line = `alarm ${e.kind} ${e.active ? 'raised' : 'cleared'}`;
    if (e.active) log.warn({ event: 'alarm', ...e }, line);
    else log.info({ event: 'alarm', ...e }, line);
    ports.status?.show(deadbolt.activeAlarms.size > 0 ? 'alarm' : 'idle');
  });
  // Obligations: the camera (when the board has one) records for visits, and visits are followed to their relock.
  const recorder = options.access && ports.camera ? new Recorder(ports.camera, clock, { confirmMs: config.delivery.cameraConfirmMs, postRollMs: config.delivery.postRollMs }) : null;
  const supervisor = options.access
    ? new VisitSupervisor(
        { deadbolt, clock, recorder },
        {
          recordRoles: config.delivery.recordRoles,
          deliveryRelockWithinS: config.delivery.relockWithinS,
          relockAfterCloseMs: config.delivery.relockAfterCloseMs,
          relockIfUnopenedMs: config.delivery.relockIfUnopenedMs,
        },
      )
    : null;
  const local = options.access
    ? new LocalAccess({ ...options.access, deadbolt, clock, keypad: ports.keypad, reader: ports.credentials, barcode: ports.barcode, status: ports.status, supervisor: supervisor ?? undefined })
    : null;
  supervisor?.events.catchFaults(faults.sink('supervisor'));
  local?.events.catchFaults(faults.sink('access'));
  options.access?.core.events.catchFaults(faults.sink('core'));
  if (supervisor) {
    const dlog = logger.child({ module: 'delivery' });
    supervisor.events.on('delivery', (e) => dlog.info({ event: 'delivery', ...e }, `visit ${e.visit} ${e.step}`));
    supervisor.events.on('alarm', (e) => {
      const line = `alarm ${e.kind} ${e.active ? 'raised' : 'cleared'}`;
      if (e.active) dlog.warn({ event: 'alarm', ...e }, line);
      else dlog.info({ event: 'alarm', ...e }, line);
      ports.status?.show(deadbolt.activeAlarms.size + supervisor.activeAlarms.size > 0 ? 'alarm' : 'idle');
    });
  }
  if (local) {
    const alog = logger.child({ module: 'access' });
    // What was offered and the outcome; never the code, the PIN or the presentation bytes.
    local.events.on('access', (e) => alog.info({ event: 'access', ...e }, `${e.via} ${e.kind}: ${e.allow ? 'allowed' : `refused (${e.reason})`}`));
    const source = { keypad: 'wrong keypad codes', barcode: 'unknown parcel labels', remote: 'wrong remote PINs' };
    local.events.on('lockout', (e) =>
      e.active
        ? alog.warn({ event: 'keypad-lockout', ...e }, `${source[e.via]}: keypad and scanner locked out for ${e.forMs / 1000} s`)
        : alog.info({ event: 'keypad-lockout', ...e }, `lockout over (it followed ${source[e.via]})`),
    );
    local.events.on('mode', (e) => alog.info({ event: 'mode', ...e }, `mode ${e.mode}`));
    subscriptions.push(options.access!.core.events.on('clock-set-back', (e) => alog.warn({ event: 'clock-set-back', ...e }, 'clock set back: using trusted time')));
    subscriptions.push(options.access!.core.events.on('clock-jumped-forward', (e) => alog.warn({ event: 'clock-jumped-forward', ...e }, 'clock jumped forward: not trusted until a heartbeat confirms it')));
  } else if (ports.keypad) {
    // A key press is shown and beeped, never logged with its value: it may be part of a PIN.
    subscriptions.push(ports.keypad.onKey(faults.guard('keypad', () => ports.status?.show('key'))));
  }
  if (ports.battery) subscriptions.push(ports.battery.onLevel(faults.guard('battery', (percent) => log.info({ event: 'battery', percent }, `battery ${percent}%`))));
  subscriptions.push(faults.events.on('fault', (f) => {
    if (f.count === 1) ports.status?.show('alarm');
  }));

  if (options.outbox) subscriptions.push(...recordEvents(options.outbox, local, supervisor, ports, faults));
  if (options.outbox && options.access) subscriptions.push(...recordClock(options.outbox, options.access.core));

  return {
    deadbolt,
    local,
    core: options.access?.core ?? null,
    supervisor,
    outbox: options.outbox ?? null,
    faults,
    status: () => lockStatus({ deadbolt, local, battery: ports.battery, supervisor }),
    start() {
      deadbolt.start();
      local?.start();
      log.info({ event: 'ready', state: deadbolt.current, cpuMs: cpuMsSinceStart() }, `lock ready, bolt ${deadbolt.current}`);
    },
    async stop(stopOptions = {}) {
      await deadbolt.shutdown();
      local?.close();
      supervisor?.close();
      recorder?.close();
      for (const off of subscriptions.splice(0)) off();
      log.info({ event: 'stopped', state: deadbolt.current }, `lock stopped, bolt ${deadbolt.current}`);
      if (!stopOptions.keepBoard) await options.ports.close();
    },
  };
}

const map = (o: object) => new Map<string, unknown>(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/** The audit trail of the bolt and door, as signed events. */
function recordBolt(outbox: Outbox, deadbolt: Deadbolt): void {
  deadbolt.events.on('state', (e) => outbox.append('bolt', map(e)));
  deadbolt.events.on('operation', (e) => outbox.append('operation', map(e), e.outcome === 'done' ? 'normal' : 'security'));
  deadbolt.events.on('manual', (e) => outbox.append('manual', map(e)));
  deadbolt.events.on('door', (e) => outbox.append('door', map(e)));
  deadbolt.events.on('alarm', (e) => outbox.append('alarm', map(e), 'security'));
}

/** The owner is told when the lock stops trusting its wall clock, when trust comes back, and of stored grants dropped. */
function recordClock(outbox: Outbox, core: AccessCore): Unsubscribe[] {
  const ms = (v: number) => [Math.floor(v / 1000), v % 1000];
  return [
    core.events.on('clock-set-back', (e) => outbox.append('clock-set-back', map({ clock: ms(e.clock), floor: ms(e.floor) }), 'security')),
    core.events.on('clock-jumped-forward', (e) => outbox.append('clock-jumped-forward', map({ clock: ms(e.clock), trusted: ms(e.trusted) }), 'security')),
    core.events.on('clock-confirmed', (e) => outbox.append('clock-confirmed', map({ clock: ms(e.clock) }), 'security')),
    // A stored grant that no longer verified when verified again after a boot: each one a signed event.
    core.events.on('grant-dropped', (e) => outbox.append('grant-dropped', map(e), 'security')),
  ];
}

/** The audit trail: what the lock decided, as signed events. Never a PIN, code or presentation. */
function recordEvents(outbox: Outbox, local: LocalAccess | null, supervisor: VisitSupervisor | null, ports: BoardPorts, faults: FaultMonitor): Unsubscribe[] {
  local?.events.on('access', (e) => outbox.append('access', map(e), 'security'));
  local?.events.on('lockout', (e) => outbox.append('keypad-lockout', map(e), 'security'));
  local?.events.on('mode', (e) => outbox.append('mode', map(e), 'security'));
  // Times in events are [seconds, milliseconds] as in the envelope: our CBOR keeps integers within 32 bits.
  const stamp = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (k === 'at' || k.endsWith('At')) && typeof v === 'number' ? [Math.floor(v / 1000), v % 1000] : v]));
  supervisor?.events.on('delivery', (e) => outbox.append('delivery', map(stamp(e)), 'security'));
  supervisor?.events.on('alarm', (e) => outbox.append('alarm', map(e), 'security'));
  // The first fault of each code is a signed alarm (later ones are counted, not sent).
  const off = [faults.events.on('fault', (f) => f.count === 1 && outbox.append('alarm', map({ kind: 'fault', active: true, source: f.source, code: f.code }), 'security'))];
  if (ports.battery) off.push(ports.battery.onLevel(faults.guard('battery', (percent) => outbox.append('battery', map({ percent })))));
  return off;
}

/** CPU time this process has used so far, all threads (ms): the boot cost a Pi Zero feels. */
function cpuMsSinceStart(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 100) / 10;
}
