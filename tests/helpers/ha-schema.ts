// Home Assistant's MQTT discovery schema for the platforms the lock uses, rebuilt by hand from Home
// Assistant's own platform options (homeassistant/components/mqtt: config.py MQTT_RO/RW schemas,
// schemas.py device/origin/availability, entity.py MQTT_ENTITY_COMMON_SCHEMA, lock.py, binary_sensor.py,
// sensor.py, select.py, event.py, discovery.py's topic matcher). Stricter than Home Assistant in one
// way: a key it would silently drop (REMOVE_EXTRA) is an error here, since it would do nothing.

type Check = (value: unknown, path: string, errors: string[]) => void;

const str: Check = (v, p, e) => void (typeof v !== 'string' && e.push(`${p}: must be a string`));
const bool: Check = (v, p, e) => void (typeof v !== 'boolean' && e.push(`${p}: must be a boolean`));
const posInt: Check = (v, p, e) => void ((!Number.isInteger(v) || (v as number) < 0) && e.push(`${p}: must be a non-negative integer`));
const strOrNull: Check = (v, p, e) => void (v !== null && typeof v !== 'string' && e.push(`${p}: must be a string or null`));
const oneOf = (values: readonly unknown[]): Check => (v, p, e) => void (!values.includes(v) && e.push(`${p}: ${JSON.stringify(v)} is not one of ${values.join(', ')}`));
const strList: Check = (v, p, e) => {
  const list = Array.isArray(v) ? v : [v]; // cv.ensure_list
  if (list.length === 0 || list.some((x) => typeof x !== 'string')) e.push(`${p}: must be a non-empty list of strings`);
};
/** cv.template: a string (Jinja source). Rendering is checked separately. */
const template = str;
/** cv.icon: `prefix:name`. */
const icon: Check = (v, p, e) => void ((typeof v !== 'string' || !/^[a-z0-9-]+:[a-z0-9-]+$/.test(v)) && e.push(`${p}: must be an icon like mdi:lock`));
/** util.valid_subscribe_topic: non-empty, no NUL, wildcards only as whole levels. */
const subscribeTopic: Check = (v, p, e) => {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0') || Buffer.byteLength(v) > 65535) return void e.push(`${p}: not a valid topic`);
  const levels = v.split('/');
  levels.forEach((l, i) => {
    if ((l.includes('+') && l !== '+') || (l.includes('#') && (l !== '#' || i !== levels.length - 1))) e.push(`${p}: misplaced wildcard in ${v}`);
  });
};
/** util.valid_publish_topic: a subscribe topic without wildcards. */
const publishTopic: Check = (v, p, e) => {
  subscribeTopic(v, p, e);
  if (typeof v === 'string' && /[+#]/.test(v)) e.push(`${p}: a publish topic has no wildcards`);
};
/** cv.is_regex (Python `re`): we check it compiles as a JavaScript RegExp without JS-only flags. */
const regex: Check = (v, p, e) => {
  if (typeof v !== 'string') return void e.push(`${p}: must be a regular expression string`);
  try {
    new RegExp(v);
  } catch {
    e.push(`${p}: not a regular expression`);
  }
};

const object = (fields: Record<string, Check>, required: string[] = []): Check => (v, p, e) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return void e.push(`${p}: must be an object`);
  for (const r of required) if (!(r in v)) e.push(`${p}.${r}: required`);
  for (const [k, x] of Object.entries(v)) {
    const check = fields[k];
    if (!check) e.push(`${p}.${k}: not an option of this schema`);
    else check(x, `${p}.${k}`, e);
  }
};

/** schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA: at least one of identifiers / connections. */
const device: Check = (v, p, e) => {
  object({
    identifiers: strList, connections: (x, q, f) => void (!Array.isArray(x) && f.push(`${q}: must be a list of pairs`)),
    manufacturer: str, model: str, model_id: str, name: str, hw_version: str, serial_number: str, sw_version: str,
    via_device: str, suggested_area: str, configuration_url: str,
  })(v, p, e);
  const d = v as { identifiers?: unknown[]; connections?: unknown[] };
  if (!d?.identifiers?.length && !d?.connections?.length) e.push(`${p}: needs at least one identifier or connection`);
};
const origin = object({ name: str, sw_version: str, support_url: str }, ['name']);

/** config.py SCHEMA_BASE + schemas/entity MQTT_ENTITY_COMMON_SCHEMA + availability. */
const COMMON: Record<string, Check> = {
  qos: oneOf([0, 1, 2]), encoding: str, group: strList,
  availability_topic: subscribeTopic, availability_template: template, payload_available: str, payload_not_available: str,
  availability_mode: oneOf(['all', 'any', 'latest']),
  availability: (v, p, e) => void (!Array.isArray(v) && e.push(`${p}: must be a list`)),
  device, origin, enabled_by_default: bool, entity_category: oneOf(['config', 'diagnostic']), icon,
  json_attributes_topic: subscribeTopic, json_attributes_template: template, object_id: str, default_entity_id: str,
  unique_id: str, entity_picture: str, message_expiry_interval: posInt, visible_by_default: bool, name: strOrNull,
};
/** MQTT_RO_SCHEMA: state_topic required. */
const RO: Record<string, Check> = { state_topic: subscribeTopic, value_template: template };
/** MQTT_RW_SCHEMA: command_topic required. */
const RW: Record<string, Check> = { command_topic: publishTopic, optimistic: bool, retain: bool, state_topic: subscribeTopic };

export const BINARY_SENSOR_CLASSES = [
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock',
  'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke',
  'sound', 'tamper', 'update', 'vibration', 'window',
] as const;
export const SENSOR_CLASSES = [
  'apparent_power', 'aqi', 'atmospheric_pressure', 'battery', 'carbon_dioxide', 'carbon_monoxide', 'current', 'data_rate', 'data_size',
  'date', 'distance', 'duration', 'energy', 'enum', 'frequency', 'gas', 'humidity', 'illuminance', 'monetary', 'power', 'power_factor',
  'pressure', 'signal_strength', 'sound_pressure', 'speed', 'temperature', 'timestamp', 'voltage', 'volume', 'water', 'weight', 'wind_speed',
] as const;

interface Platform {
  fields: Record<string, Check>;
  required: string[];
  /** Cross-field rules (sensor.py's validators, entity categories). */
  rules?: (c: Record<string, unknown>, e: string[]) => void;
}

export const PLATFORMS: Record<string, Platform> = {
  lock: {
    fields: {
      ...COMMON, ...RW, code_format: regex, command_template: template, value_template: template,
      payload_lock: str, payload_unlock: str, payload_open: str, payload_reset: str,
      state_jammed: str, state_locked: str, state_locking: str, state_open: str, state_opening: str, state_unlocked: str, state_unlocking: str,
    },
    required: ['command_topic'],
  },
  binary_sensor: {
    fields: { ...COMMON, ...RO, device_class: oneOf(BINARY_SENSOR_CLASSES), expire_after: posInt, force_update: bool, off_delay: posInt, payload_on: str, payload_off: str },
    required: ['state_topic'],
  },
  sensor: {
    fields: {
      ...COMMON, ...RO, device_class: oneOf(SENSOR_CLASSES), unit_of_measurement: str, state_class: oneOf(['measurement', 'measurement_angle', 'total', 'total_increasing']),
      expire_after: posInt, force_update: bool, last_reset_value_template: template, options: strList, suggested_display_precision: posInt,
    },
    required: ['state_topic'],
    rules(c, e) {
      if (c.entity_category === 'config') e.push('sensor: entity_category config is not allowed for sensors');
      if (c.options !== undefined && c.device_class !== 'enum') e.push('sensor: options need device_class enum');
      if (c.device_class === 'enum' && (c.unit_of_measurement !== undefined || c.state_class !== undefined)) e.push('sensor: an enum sensor has no unit or state class');
      if (c.device_class === 'timestamp' && (c.unit_of_measurement !== undefined || c.state_class !== undefined)) e.push('sensor: a timestamp sensor has no unit or state class');
      if (c.device_class === 'battery' && c.unit_of_measurement !== '%') e.push('sensor: a battery sensor is in %');
    },
  },
  select: { fields: { ...COMMON, ...RW, command_template: template, value_template: template, options: strList }, required: ['command_topic', 'options'] },
  event: { fields: { ...COMMON, ...RO, device_class: oneOf(['button', 'doorbell', 'motion']), event_types: strList }, required: ['state_topic', 'event_types'] },
};

/** discovery.py's topic matcher: `<prefix>/<component>/[<node_id>/]<object_id>/config`, ids `[a-zA-Z0-9_-]+`. */
export function parseDiscoveryTopic(topic: string, prefix = 'homeassistant'): { component: string; node: string | null; object: string } | null {
  const m = new RegExp(`^${prefix}/(\\w+)/(?:([a-zA-Z0-9_-]+)/)?([a-zA-Z0-9_-]+)/config$`).exec(topic);
  return m ? { component: m[1]!, node: m[2] ?? null, object: m[3]! } : null;
}

/** Errors in one discovery payload for `component` (empty when Home Assistant would accept it). */
export function validateDiscovery(component: string, config: unknown): string[] {
  const platform = PLATFORMS[component];
  if (!platform) return [`${component}: not a platform this schema knows`];
  const errors: string[] = [];
  object(platform.fields, platform.required)(config, component, errors);
  const c = config as Record<string, unknown>;
  // A device needs a unique id (entities without one cannot be grouped under a device).
  if (c.device !== undefined && typeof c.unique_id !== 'string') errors.push(`${component}: device info needs unique_id`);
  platform.rules?.(c, errors);
  return errors;
}
