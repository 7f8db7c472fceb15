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
    this.percentOf = (raw) => Math.max(0, Math.min(100, Math.round(((raw - config.emptyRaw) / (config.fullRaw - config.emptyRaw)) * 100)));
    this.sensor.on('data', () => {
      const percent = this.current();
      if (percent === null || percent === this.level) return;
      this.level = percent;
      for (const listener of this.listeners) listener(percent);
    });
  }

  private readonly percentOf: (raw: number) => number;

  /** The level from the sensor's latest raw value (the IO plugin reports it far more often than `sampleMs`). */
  private current(): number | null {
    const raw = (this.sensor as unknown as { raw: number | null }).raw;
    return raw === null || raw === undefined ? null : this.percentOf(raw);
  }

  /** The last sampled level; before the first sample, the sensor's latest value (a self-test right after boot reads the gauge, not "no gauge"). */
  readLevel(): number | null {
    return this.level ?? this.current();
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
