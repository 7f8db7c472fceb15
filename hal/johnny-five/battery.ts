// Battery gauge: a johnny-five Sensor on an analog pin behind a voltage divider, sampled slowly.
import five from 'johnny-five';
import type { BoardDevices } from '../boards.js';
import type { BatteryMonitor } from '../ports/battery-monitor.js';
import type { Unsubscribe } from '../ports/errors.js';

export class JohnnyFiveBattery implements BatteryMonitor {
  private readonly sensor: five.Sensor;
  private level: number | null = null;
  private readonly listeners = new Set<(percent: number) => void>();

  constructor(board: five.Board, config: NonNullable<BoardDevices['battery']>) {
    this.sensor = new five.Sensor({
      pin: config.pin,
      board,
      freq: config.sampleMs,
    } as unknown as five.SensorOption);
    this.sensor.on('data', () => {
      const raw = (this.sensor as unknown as { raw: number | null }).raw;
      if (raw === null || raw === undefined) return;
      const span = config.fullRaw - config.emptyRaw;
      const percent = Math.max(0, Math.min(100, Math.round(((raw - config.emptyRaw) / span) * 100)));
      if (percent === this.level) return;
      this.level = percent;
      for (const listener of this.listeners) listener(percent);
    });
  }

  readLevel(): number | null {
    return this.level;
  }

  onLevel(listener: (percent: number) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    (this.sensor as unknown as { disable(): void }).disable();
    this.listeners.clear();
  }
}
