// Home Assistant on the lock's MQTT link: discovery and the retained state published on every
// (re)connection and on every change of bolt, door, alarms, mode or battery; Home Assistant's lock
// and unlock commands answered, each outcome a signed `ha-command` event. stop() lets go of all of it.
import type { BoardPorts, Unsubscribe } from '../../hal/ports/index.js';
import type { App } from '../app.js';
import type { LockConfig } from '../config.js';
import { discoveryConfig, haTopics, handleHaCommand, type HomeAssistantOptions, lockState } from './home-assistant.js';
import type { LinkHandlers, MqttLink } from './link.js';
import type { Outbox } from './outbox.js';

export interface HomeAssistantBridge {
  stop(): void;
}

export function haOptions(lockId: string, config: NonNullable<LockConfig['mqtt']>['homeAssistant']): HomeAssistantOptions | null {
  if (config?.enabled === false) return null;
  return { lockId, name: config?.name ?? `Lock ${lockId}`, unlockNeedsCode: config?.unlockNeedsCode ?? true };
}

export function attachHomeAssistant(deps: { link: MqttLink; handlers: LinkHandlers; app: App; ports: BoardPorts; outbox: Outbox; options: HomeAssistantOptions }): HomeAssistantBridge {
  const { link, app, ports, outbox, options } = deps;
  const topics = haTopics(options.lockId);
  deps.handlers.haCommand = (payload) => {
    const result = handleHaCommand(payload, app.deadbolt, app.local, options);
    outbox.append('ha-command', new Map(Object.entries(result)), 'security');
  };
  const publishState = () =>
    link.publishRetained(topics.state, JSON.stringify(lockState(app.deadbolt, app.local, ports.battery?.readLevel() ?? null, app.supervisor?.activeAlarms)));
  const off: Unsubscribe[] = [
    link.events.on('connected', () => {
      link.publishRetained(topics.discovery, JSON.stringify(discoveryConfig(options)));
      publishState();
    }),
    ...(['state', 'door', 'alarm'] as const).map((e) => app.deadbolt.events.on(e, publishState)),
  ];
  if (app.local) off.push(app.local.events.on('mode', publishState));
  if (app.supervisor) off.push(app.supervisor.events.on('alarm', publishState));
  if (ports.battery) off.push(ports.battery.onLevel(app.faults.guard('home-assistant.battery', publishState)));
  return {
    stop() {
      for (const o of off.splice(0)) o();
      delete deps.handlers.haCommand;
    },
  };
}
