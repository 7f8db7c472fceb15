// The real PWM and analog backends of the gpiod plugin: the kernel's sysfs files
// (/sys/class/pwm/<chip>/pwmN/{period,duty_cycle,enable}, IIO in_voltageN_raw).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AnalogBackend, PwmBackend } from './binding.js';

/** /sys/class/pwm. The gpio group needs write access to it (Raspberry Pi OS's udev rules give it; see docs/HARDWARE.md). */
export class SysfsPwm implements PwmBackend {
  private readonly last = new Map<string, { periodNs: number; dutyNs: number; enabled: boolean }>();
  constructor(private readonly root = '/sys/class/pwm') {}

  configure(chip: string, channel: number, periodNs: number, dutyNs: number, enabled: boolean): void {
    const dir = `${this.root}/${chip}/pwm${channel}`;
    if (!existsSync(dir)) writeFileSync(`${this.root}/${chip}/export`, String(channel));
    const key = `${chip}/${channel}`;
    const before = this.last.get(key);
    // The kernel refuses a duty cycle longer than the period: shrink the duty first when the period shrinks.
    if (!before || before.periodNs !== periodNs) {
      writeFileSync(`${dir}/duty_cycle`, '0');
      writeFileSync(`${dir}/period`, String(periodNs));
    }
    writeFileSync(`${dir}/duty_cycle`, String(dutyNs));
    if (!before || before.enabled !== enabled) writeFileSync(`${dir}/enable`, enabled ? '1' : '0');
    this.last.set(key, { periodNs, dutyNs, enabled });
  }
}

/** IIO sysfs: one integer per read. */
export const sysfsAnalog: AnalogBackend = {
  read(path: string): number {
    return Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  },
};
