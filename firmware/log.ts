// The firmware's logger: pino, JSON lines by default; pretty output only for a person at a terminal.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: pino.DestinationStream; colour?: boolean; details?: boolean } = {},
): Logger {
  const level = options.level ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  if (options.pretty) {
    return pino({
      level,
      base: undefined,
      transport: {
        target: 'pino-pretty',
        // One line per action in local time; the fields only with `details` (JSON output has them all).
        // Colours only when asked, else only on a terminal without NO_COLOR.
        options: {
          colorize: options.colour ?? (process.stdout.isTTY === true && !process.env.NO_COLOR),
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'module,event',
          hideObject: options.details !== true,
        },
      },
    });
  }
  // fd 1 named, as pino's default builds it (async, flushed at exit) but without touching
  // process.stdout, whose stream (net and tty for a pipe or the journal's socket) costs the boot.
  return pino({ level, base: undefined }, pino.destination({ dest: 1, sync: false }));
}
