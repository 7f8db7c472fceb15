// The interface the gpiod IO plugin needs from its GPIO binding, and the loader of the real one:
// our Node-API addon over the kernel GPIO character device (hal/gpiod/native/gpiod.c).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Line request flags, as the kernel's GPIO uAPI v2 numbers them (the addon exports the real values). */
export interface GpiodFlags {
  ACTIVE_LOW: number;
  INPUT: number;
  OUTPUT: number;
  EDGE_RISING: number;
  EDGE_FALLING: number;
  BIAS_PULL_UP: number;
  BIAS_PULL_DOWN: number;
  BIAS_DISABLED: number;
}

export interface ChipInfo {
  name: string;
  label: string;
  lines: number;
}

/**
 * A GPIO character-device binding. Every method throws an Error whose `code` is the errno name
 * (ENOENT: no such chip; EBUSY: line in use; EINVAL: bad offset or flags; EACCES: not in the gpio group).
 */
export interface GpiodBinding {
  readonly flags: GpiodFlags;
  /** Paths of the GPIO chips present (/dev/gpiochip*). */
  listChips(): string[];
  chipInfo(path: string): ChipInfo;
  /** Request one line; returns its handle. `debounceUs` > 0 asks the kernel to debounce edges. */
  requestLine(path: string, offset: number, flags: number, debounceUs: number, initial: number, consumer: string): number;
  /** The line's logical value (after active-low). */
  getValue(handle: number): number;
  setValue(handle: number, value: number): void;
  /** Edge events of an input requested with EDGE_* flags: `rising` is the logical value becoming 1. */
  watch(handle: number, onEdge: (rising: boolean, timestampNs: number) => void): void;
  /** Stop watching and give the line back. */
  release(handle: number): void;
}

/** The kernel PWM interface (/sys/class/pwm): one channel of one chip at a time. Errors carry `code`. */
export interface PwmBackend {
  /** Set period and duty cycle (ns) and enable or disable the output; exports the channel first if needed. */
  configure(chip: string, channel: number, periodNs: number, dutyNs: number, enabled: boolean): void;
}

/** Raw readings of an analog input (IIO sysfs, e.g. /sys/bus/iio/devices/iio:device0/in_voltage0_raw). */
export interface AnalogBackend {
  read(path: string): number;
}

/** Raised when the native binding cannot be loaded; the message says how to get it. */
export class GpiodBindingError extends Error {
  override readonly name = 'GpiodBindingError';
  readonly code = 'E_GPIOD_BINDING';
}

/** Where the compiled addon may be: the package's build/native (built by hal/gpiod/native/build.sh). */
export function bindingCandidates(arch: string = process.arch): string[] {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const rel = `build/native/linux-${arch}/gpiod.node`;
  // Source tree (hal/gpiod/) and compiled tree (dist/hal/gpiod/) sit two or three levels below the root.
  const fromEnv = process.env.LOCK_GPIOD_BINDING ? [process.env.LOCK_GPIOD_BINDING] : [];
  return [...fromEnv, `${here}../../${rel}`, `${here}../../../${rel}`];
}

type NativeAddon = Omit<GpiodBinding, 'listChips'>;

/** Load the real binding (the addon for this machine's architecture); throws GpiodBindingError with the fix. */
export function loadGpiodBinding(candidates: string[] = bindingCandidates()): GpiodBinding {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      const addon = require(path) as NativeAddon;
      return { ...addon, flags: addon.flags, listChips: listDevChips };
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new GpiodBindingError(
    `the gpiod IO plugin needs its GPIO binding for linux-${process.arch}, which is not built: ` +
      `run "npm run build:native" (needs a C compiler), or install the lock-firmware package, which ships it. Tried: ${failures.join('; ')}`,
  );
}

function listDevChips(): string[] {
  try {
    return readdirSync('/dev')
      .filter((name) => /^gpiochip\d+$/.test(name))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
      .map((name) => `/dev/${name}`);
  } catch {
    return [];
  }
}
