// The gpiod IO plugin's entry: turns a board profile's io section into GpiodIO options and loads
// the real binding lazily. firmware's IO-plugin table calls loadGpiodPlugin; tests pass in-memory parts.
import type { BoardProfile } from '../boards.js';
import type { Clock } from '../ports/clock.js';
import type { AnalogBackend, GpiodBinding, PwmBackend } from './binding.js';
import { GpiodIO, type GpiodIOOptions, type LineSpec } from './gpiod-io.js';

export { GpiodIO, GpiodIOError } from './gpiod-io.js';

/** Lines, PWM channels, IIO files and kernel debounce periods of a gpiod board profile. */
export function gpiodOptionsFromProfile(profile: BoardProfile): Pick<GpiodIOOptions, 'lines' | 'pwmChannels' | 'analogInputs' | 'debounceMs' | 'analogPollMs'> {
  const io = profile.io;
  const lines: Record<string, LineSpec> = {};
  for (const [pin, spec] of Object.entries(io.lines ?? {})) {
    lines[pin] = typeof spec === 'number' ? { chip: io.chip!, offset: spec } : spec;
  }
  const debounceMs: Record<string, number> = {};
  for (const device of Object.values(profile.devices)) {
    if (device && typeof device === 'object' && 'debounceMs' in device && 'pin' in device) debounceMs[String(device.pin)] = device.debounceMs;
  }
  const battery = profile.devices.battery;
  return {
    lines,
    pwmChannels: io.pwm ?? {},
    analogInputs: io.analog ?? {},
    debounceMs,
    // The gauge is read as often as the firmware samples it.
    analogPollMs: battery?.sampleMs ?? 1000,
  };
}

export interface GpiodParts {
  binding?: GpiodBinding;
  pwm?: PwmBackend;
  analog?: AnalogBackend;
}

/** Build the plugin for a profile; without `parts`, the real binding and sysfs (the binding loads only now). */
export async function loadGpiodPlugin(profile: BoardProfile, clock: Clock, parts: GpiodParts = {}): Promise<{ io: GpiodIO }> {
  const binding = parts.binding ?? (await import('./binding.js')).loadGpiodBinding();
  const sysfs = parts.pwm && parts.analog ? null : await import('./sysfs.js');
  const io = new GpiodIO({
    binding,
    pwm: parts.pwm ?? new sysfs!.SysfsPwm(),
    analog: parts.analog ?? sysfs!.sysfsAnalog,
    clock,
    ...gpiodOptionsFromProfile(profile),
  });
  return { io };
}
