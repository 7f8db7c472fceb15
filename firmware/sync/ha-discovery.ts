// Home Assistant MQTT discovery: one device with every entity the lock can show (lock, door,
// battery, problems, keypad lockout, mode, access events, last access), each a retained config on
// `<prefix>/<component>/<node>/<object>/config`. Entities that do not apply are withdrawn (empty payload).
import { MODES } from '../modes.js';
import { FIRMWARE_VERSION } from '../version.js';
import { HA_EVENT_TYPES } from './ha-events.js';

export interface DiscoveryOptions {
  lockId: string;
  /** The device's name in Home Assistant. */
  name: string;
  /** Unlock from Home Assistant needs a PIN (default true). */
  unlockNeedsCode: boolean;
  /** Offer the mode as a `select` (unsigned mode changes from Home Assistant); a read-only sensor otherwise. */
  modeControl: boolean;
  /** The board has a battery monitor. */
  battery: boolean;
  /** Home Assistant's discovery prefix (default `homeassistant`). */
  prefix?: string;
}

export type Component = 'lock' | 'binary_sensor' | 'sensor' | 'select' | 'event';

export interface DiscoveryEntry {
  component: Component;
  /** Object id: `[a-zA-Z0-9_-]+`. */
  object: string;
  topic: string;
  /** The config, or null when this entity is withdrawn (an empty retained payload). */
  config: Record<string, unknown> | null;
}

/** A lock id as a discovery node id: characters outside `[a-zA-Z0-9_-]` become `_`. */
export const nodeId = (lockId: string): string => lockId.replace(/[^a-zA-Z0-9_-]/g, '_');

export const lockTopics = (lockId: string) => ({
  state: `locks/${lockId}/state`,
  status: `locks/${lockId}/status`,
  command: `locks/${lockId}/ha/command`,
  mode: `locks/${lockId}/ha/mode`,
  event: `locks/${lockId}/ha/event`,
  activity: `locks/${lockId}/activity`,
});

/** Modes Home Assistant may set: passage (the door stays open) only when unlocking needs no PIN anyway. */
export const selectableModes = (unlockNeedsCode: boolean): string[] => MODES.filter((m) => !unlockNeedsCode || m !== 'passage');

/** A problem sensor: on while any of `alarms` is active. */
const problem = (object: string, name: string, alarms: string[], deviceClass = 'problem', diagnostic = false) => ({
  component: 'binary_sensor' as const,
  object,
  config: {
    name,
    device_class: deviceClass,
    value_template: `{{ 'ON' if (${alarms.map((a) => `'${a}' in value_json.alarms`).join(' or ')}) else 'OFF' }}`,
    ...(diagnostic ? { entity_category: 'diagnostic' } : {}),
  },
});

/** Every entity this lock can show, with the applicable ones' configs (others withdrawn). */
export function discoveryEntries(o: DiscoveryOptions): DiscoveryEntry[] {
  const t = lockTopics(o.lockId);
  const node = nodeId(o.lockId);
  const prefix = o.prefix ?? 'homeassistant';
  // The ids of the single lock entity of earlier firmware, kept so Home Assistant keeps its history.
  const base = `open-lock-${o.lockId}`;
  const shared = {
    availability_topic: t.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    state_topic: t.state,
  };
  const device = {
    identifiers: [base],
    name: o.name,
    manufacturer: 'open lock firmware',
    model: 'deadbolt controller',
    sw_version: FIRMWARE_VERSION,
  };
  const origin = { name: 'open-lock-firmware', sw_version: FIRMWARE_VERSION };
  const entities: { component: Component; object: string; config: Record<string, unknown> | null }[] = [
    {
      component: 'lock',
      object: 'lock',
      config: {
        name: null,
        value_template: '{{ value_json.lock }}',
        command_topic: t.command,
        command_template: '{{ {"action": value, "code": code} | tojson }}',
        payload_lock: 'LOCK',
        payload_unlock: 'UNLOCK',
        payload_reset: 'None',
        // Empty (lock, or unlock without a PIN) or 4-8 ASCII digits; the lock refuses an empty unlock when a PIN is needed.
        ...(o.unlockNeedsCode ? { code_format: '^(?:[0-9]{4,8})?$' } : {}),
        json_attributes_topic: t.state,
        json_attributes_template: '{{ {"bolt": value_json.bolt, "door": value_json.door, "mode": value_json.mode, "alarms": value_json.alarms} | tojson }}',
      },
    },
    { component: 'binary_sensor', object: 'door', config: { name: 'Door', device_class: 'door', value_template: "{{ 'ON' if value_json.door == 'open' else 'OFF' }}" } },
    {
      component: 'sensor',
      object: 'battery',
      config: o.battery
        ? { name: 'Battery', device_class: 'battery', unit_of_measurement: '%', state_class: 'measurement', entity_category: 'diagnostic', value_template: "{{ value_json.battery if value_json.battery is not none else 'None' }}" }
        : null,
    },
    problem('jammed', 'Jammed', ['jammed']),
    problem('tamper', 'Tamper', ['tamper'], 'tamper'),
    problem('forced_entry', 'Forced entry', ['forced-entry']),
    problem('door_ajar', 'Door ajar', ['door-ajar']),
    problem('camera_fault', 'Camera fault', ['camera-failed', 'camera-lost'], 'problem', true),
    problem('storage_fault', 'Storage fault', ['storage-fault'], 'problem', true),
    { component: 'binary_sensor', object: 'keypad_lockout', config: { name: 'Keypad lockout', icon: 'mdi:dialpad', value_template: "{{ 'ON' if value_json.keypad_lockout else 'OFF' }}" } },
    {
      component: 'sensor',
      object: 'mode',
      config: o.modeControl ? null : { name: 'Mode', device_class: 'enum', options: [...MODES], icon: 'mdi:shield-home', value_template: '{{ value_json.mode }}' },
    },
    {
      component: 'select',
      object: 'mode',
      config: o.modeControl
        ? { name: 'Mode', options: [...MODES], icon: 'mdi:shield-home', value_template: '{{ value_json.mode }}', command_topic: t.mode, command_template: '{{ {"mode": value} | tojson }}' }
        : null,
    },
    {
      component: 'event',
      object: 'access',
      config: { name: 'Access', state_topic: t.event, event_types: [...HA_EVENT_TYPES], icon: 'mdi:door-closed-lock' },
    },
    {
      component: 'sensor',
      object: 'last_access',
      config: {
        name: 'Last access',
        device_class: 'timestamp',
        value_template: "{{ value_json.last_access.time if value_json.last_access else 'None' }}",
        json_attributes_topic: t.state,
        json_attributes_template: "{{ (value_json.last_access if value_json.last_access else {}) | tojson }}",
      },
    },
  ];
  return entities.map(({ component, object, config }) => ({
    component,
    object,
    topic: `${prefix}/${component}/${node}/${object}/config`,
    config: config && { ...shared, ...config, unique_id: object === 'lock' ? base : `${base}-${object}`, device, origin },
  }));
}

/** Where firmware before 0.2 announced its one lock entity: withdrawn, so Home Assistant does not show it twice. */
export const legacyDiscoveryTopic = (lockId: string, prefix = 'homeassistant'): string => `${prefix}/lock/${lockId}/config`;

/** Every discovery topic with an empty payload: Home Assistant removes the entities (disabled, factory reset). */
export function withdrawnEntries(o: Pick<DiscoveryOptions, 'lockId' | 'prefix'>): DiscoveryEntry[] {
  return discoveryEntries({ ...o, name: '', unlockNeedsCode: true, modeControl: false, battery: false }).map((e) => ({ ...e, config: null }));
}
