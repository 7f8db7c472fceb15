// The firmware's logger: pino, JSON lines by default; pretty output only for a person at a terminal.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: pino.DestinationStream } = {},
): Logger {
  const level = options.level ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  if (options.pretty) {
    return pino({
      level,
      base: undefined,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'module,event' },
      },
    });
  }
  return pino({ level, base: undefined });
}
