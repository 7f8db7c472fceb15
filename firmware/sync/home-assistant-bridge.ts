// Everything the lock shows on MQTT besides its signed events: the readable activity topic, and Home
// Assistant (discovery of the whole device, the retained state its entities read, its lock/unlock and
// mode commands, its access events). Home Assistant disabled: its discovery is withdrawn on connect.
// attachHomeAssistant() wires it all to a running app and link; stop() unsubscribes everything.
import type { BatteryMonitor } from '../../hal/ports/battery-monitor.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { App } from '../app.js';
import type { AccessEvent } from '../local-access.js';
import type { Logger } from '../log.js';
import { isMode } from '../modes.js';
import { activityOf } from './activity.js';
import { discoveryEntries, legacyDiscoveryTopic, lockTopics, selectableModes, withdrawnEntries } from './ha-discovery.js';
import { haEventOf } from './ha-events.js';
import { type LastAccess, lockStateJson } from './ha-state.js';
import { handleHaCommand } from './home-assistant.js';
import type { LinkEvents, LinkHandlers } from './link.js';
import type { Outbox } from './outbox.js';
import type { TypedEmitter } from '../util/typed-emitter.js';

/** The `mqtt.homeAssistant` config section. */
export interface HomeAssistantConfig {
  enabled?: boolean;
  name?: string;
  unlockNeedsCode?: boolean;
  modeControl?: boolean;
}

/** What the bridge needs of the MQTT link. */
export interface BridgeLink {
  readonly events: TypedEmitter<LinkEvents>;
  publish(topic: string, payload: string, retain?: boolean): Promise<boolean>;
}

export interface Bridge {
  /** Withdraw every Home Assistant entity now (factory reset): resolves on the broker's acknowledgements, or after 3 s. */
  withdraw(): Promise<void>;
  stop(): void;
}

export interface BridgeOptions {
  link: BridgeLink;
  app: App;
  battery?: BatteryMonitor;
  lockId: string;
  options?: HomeAssistantConfig;
  outbox: Outbox;
  /** The link's inbound handlers: Home Assistant's command and mode handlers are set on them. */
  handlers: LinkHandlers;
  clock: Clock;
  log: Logger;
}

const VIA_METHOD: Record<string, string> = { keypad: 'keypad', reader: 'phone', barcode: 'parcel', remote: 'remote' };

interface Settings {
  enabled: boolean;
  unlockNeedsCode: boolean;
  modeControl: boolean;
  name: string;
}

export function attachHomeAssistant(b: BridgeOptions): Bridge {
  const o = b.options;
  const settings: Settings = { enabled: o?.enabled !== false, unlockNeedsCode: o?.unlockNeedsCode ?? true, modeControl: o?.modeControl === true, name: o?.name ?? `Lock ${b.lockId}` };
  const withdraw = () => withdrawAll(b.link, b.lockId, b.clock);
  const offs: Unsubscribe[] = [attachActivity(b.link, b.lockId, settings.enabled)];
  if (!settings.enabled) {
    offs.push(b.link.events.on('connected', () => void withdraw()));
    return { withdraw, stop: () => offs.forEach((off) => off()) };
  }
  const state = attachState(b);
  offs.push(b.link.events.on('connected', () => {
    void b.link.publish(legacyDiscoveryTopic(b.lockId), '', true);
    const entries = discoveryEntries({ lockId: b.lockId, name: settings.name, unlockNeedsCode: settings.unlockNeedsCode, modeControl: settings.modeControl, battery: b.battery !== undefined });
    for (const e of entries) void b.link.publish(e.topic, e.config ? JSON.stringify(e.config) : '', true);
    state.publish();
  }));
  attachCommands(b, settings);
  return {
    withdraw,
    stop() {
      for (const off of offs) off();
      state.stop();
      delete b.handlers.haCommand;
      delete b.handlers.haMode;
    },
  };
}

/** Empty retained payloads on every discovery topic; resolves on the broker's acknowledgements, or after 3 s. */
async function withdrawAll(link: BridgeLink, lockId: string, clock: Clock): Promise<void> {
  const topics = [legacyDiscoveryTopic(lockId), ...withdrawnEntries({ lockId }).map((e) => e.topic)];
  let timer: TimerHandle | null = null;
  const bound = new Promise<void>((resolve) => (timer = clock.after(3_000, resolve)));
  await Promise.race([Promise.all(topics.map((t) => link.publish(t, '', true))), bound]);
  (timer as TimerHandle | null)?.cancel();
}

/** Readable activity, and Home Assistant's events, from each signed event the broker acknowledged. */
function attachActivity(link: BridgeLink, lockId: string, haEvents: boolean): Unsubscribe {
  const t = lockTopics(lockId);
  return link.events.on('delivered', ({ bytes }) => {
    const entry = activityOf(bytes);
    if (!entry) return;
    void link.publish(t.activity, JSON.stringify(entry));
    const event = haEvents ? haEventOf(entry) : null;
    if (event) void link.publish(t.event, JSON.stringify(event));
  });
}

/** The retained state, republished on every change it shows (and when a keypad lockout ends). */
function attachState(b: BridgeOptions): { publish(): void; stop(): void } {
  const { app, clock, link } = b;
  const offs: Unsubscribe[] = [];
  let lastAccess: LastAccess | null = null;
  let storageFault = false;
  let lockoutTimer: TimerHandle | null = null;
  const now = () => app.core?.now() ?? clock.now(); // the lockout is kept in trusted time
  const publish = () =>
    void link.publish(lockTopics(b.lockId).state, JSON.stringify(lockStateJson({
      deadbolt: app.deadbolt, local: app.local, battery: b.battery?.readLevel() ?? null, visitAlarms: app.supervisor?.activeAlarms ?? [],
      storageFault, lockoutActive: (app.local?.lockout.remaining(now()) ?? 0) > 0, lastAccess,
    })), true);
  for (const e of ['state', 'door', 'alarm'] as const) offs.push(app.deadbolt.events.on(e, publish));
  if (app.supervisor) offs.push(app.supervisor.events.on('alarm', publish));
  if (b.battery) offs.push(b.battery.onLevel(app.faults.guard('home-assistant.battery', publish)));
  const local = app.local;
  if (local) {
    offs.push(local.events.on('mode', publish));
    offs.push(local.events.on('access', (e) => {
      storageFault = e.reason === 'store-failure' ? true : e.allow ? false : storageFault;
      if (e.allow) lastAccess = lastAccessOf(e, clock.now());
      publish();
    }));
    offs.push(local.events.on('lockout', () => {
      publish();
      // Say when it ends: nothing else happens then.
      lockoutTimer?.cancel();
      lockoutTimer = clock.after(local.lockout.remaining(now()) + 1, () => {
        lockoutTimer = null;
        publish();
      });
    }));
  }
  return {
    publish,
    stop() {
      for (const off of offs) off();
      lockoutTimer?.cancel();
    },
  };
}

/** Home Assistant's lock/unlock, and its mode select when the owner allows it; each outcome a signed event. */
function attachCommands(b: BridgeOptions, s: Settings): void {
  const { app, outbox } = b;
  const log = b.log.child({ module: 'home-assistant' });
  b.handlers.haCommand = (payload) => {
    const result = handleHaCommand(payload, app.deadbolt, app.local, { unlockNeedsCode: s.unlockNeedsCode });
    outbox.append('ha-command', new Map(Object.entries(result)), 'security');
    if (!result.ok) log.info({ event: 'ha-command', action: result.action, reason: result.reason }, `Home Assistant ${result.action ?? 'command'} refused (${result.reason})`);
  };
  if (!s.modeControl) return;
  b.handlers.haMode = (payload) => {
    const mode = parseMode(payload);
    const allowed = mode !== null && app.local !== null && selectableModes(s.unlockNeedsCode).includes(mode);
    if (allowed && isMode(mode)) app.local!.setMode(mode);
    outbox.append('ha-mode', new Map<string, unknown>(allowed ? [['ok', true], ['mode', mode]] : [['ok', false], ['reason', app.local ? 'mode-not-allowed' : 'not-paired']]), 'security');
  };
}

function lastAccessOf(e: AccessEvent, now: number): LastAccess {
  return { time: new Date(now).toISOString(), label: e.label ?? null, role: e.role, method: VIA_METHOD[e.via] ?? e.via };
}

function parseMode(payload: Uint8Array): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString('utf8').slice(0, 128)) as { mode?: unknown };
    return typeof parsed.mode === 'string' ? parsed.mode : null;
  } catch {
    return null;
  }
}
