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

export function attachHomeAssistant(b: BridgeOptions): Bridge {
  const { link, app, lockId, outbox, clock } = b;
  const t = lockTopics(lockId);
  const offs: Unsubscribe[] = [];
  const enabled = b.options?.enabled !== false;
  const unlockNeedsCode = b.options?.unlockNeedsCode ?? true;
  const modeControl = b.options?.modeControl === true;
  const log = b.log.child({ module: 'home-assistant' });
  const withdraw = async () => {
    const topics = [legacyDiscoveryTopic(lockId), ...withdrawnEntries({ lockId }).map((e) => e.topic)];
    let timer: TimerHandle | null = null;
    const bound = new Promise<void>((resolve) => (timer = clock.after(3_000, resolve)));
    await Promise.race([Promise.all(topics.map((t) => link.publish(t, '', true))), bound]);
    (timer as TimerHandle | null)?.cancel();
  };

  // Readable activity, and Home Assistant's events, from each signed event the broker acknowledged.
  offs.push(link.events.on('delivered', ({ bytes }) => {
    const entry = activityOf(bytes);
    if (!entry) return;
    void link.publish(t.activity, JSON.stringify(entry));
    const event = enabled ? haEventOf(entry) : null;
    if (event) void link.publish(t.event, JSON.stringify(event));
  }));

  if (!enabled) {
    offs.push(link.events.on('connected', () => void withdraw()));
    return { withdraw, stop: () => offs.forEach((off) => off()) };
  }

  let lastAccess: LastAccess | null = null;
  let storageFault = false;
  let lockoutTimer: TimerHandle | null = null;
  const lockoutActive = () => (app.local ? app.local.lockout.remaining(app.core?.now() ?? clock.now()) > 0 : false);
  const publishState = () =>
    void link.publish(t.state, JSON.stringify(lockStateJson({
      deadbolt: app.deadbolt, local: app.local, battery: b.battery?.readLevel() ?? null, visitAlarms: app.supervisor?.activeAlarms ?? [],
      storageFault, lockoutActive: lockoutActive(), lastAccess,
    })), true);

  offs.push(link.events.on('connected', () => {
    const entries = discoveryEntries({ lockId, name: b.options?.name ?? `Lock ${lockId}`, unlockNeedsCode, modeControl, battery: b.battery !== undefined });
    void link.publish(legacyDiscoveryTopic(lockId), '', true);
    for (const e of entries) void link.publish(e.topic, e.config ? JSON.stringify(e.config) : '', true);
    publishState();
  }));
  for (const e of ['state', 'door', 'alarm'] as const) offs.push(app.deadbolt.events.on(e, publishState));
  if (app.supervisor) offs.push(app.supervisor.events.on('alarm', publishState));
  if (b.battery) offs.push(b.battery.onLevel(app.faults.guard('home-assistant.battery', publishState)));
  if (app.local) {
    const local = app.local;
    offs.push(local.events.on('mode', publishState));
    offs.push(local.events.on('access', (e) => {
      storageFault = e.reason === 'store-failure' ? true : e.allow ? false : storageFault;
      if (e.allow) lastAccess = lastAccessOf(e, clock.now());
      publishState();
    }));
    offs.push(local.events.on('lockout', () => {
      publishState();
      // Say when it ends: nothing else happens then.
      lockoutTimer?.cancel();
      lockoutTimer = clock.after(local.lockout.remaining(app.core?.now() ?? clock.now()) + 1, () => {
        lockoutTimer = null;
        publishState();
      });
    }));
  }

  b.handlers.haCommand = (payload) => {
    const result = handleHaCommand(payload, app.deadbolt, app.local, { unlockNeedsCode });
    outbox.append('ha-command', new Map(Object.entries(result)), 'security');
    if (!result.ok) log.info({ event: 'ha-command', action: result.action, reason: result.reason }, `Home Assistant ${result.action ?? 'command'} refused (${result.reason})`);
  };
  if (modeControl) {
    b.handlers.haMode = (payload) => {
      const mode = parseMode(payload);
      const allowed = mode !== null && app.local !== null && selectableModes(unlockNeedsCode).includes(mode);
      if (allowed && isMode(mode)) app.local!.setMode(mode);
      outbox.append('ha-mode', new Map<string, unknown>(allowed ? [['ok', true], ['mode', mode]] : [['ok', false], ['reason', app.local ? 'mode-not-allowed' : 'not-paired']]), 'security');
    };
  }
  return {
    withdraw,
    stop() {
      for (const off of offs) off();
      lockoutTimer?.cancel();
      delete b.handlers.haCommand;
      delete b.handlers.haMode;
    },
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
