// The firmware's logger: pino, JSON lines by default; pretty output only for a person at a terminal.
import pino from 'pino';
import { type LogSink, openLogSink } from './log-sink.js';

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
  // fd 1 through a sink that never blocks the lock (firmware/log-sink.ts), not pino.destination.
  return pino({ level, base: undefined }, stdoutSink());
}

let sink: LogSink | null = null;

/**
 * The process's one sink on fd 1. When its reader is gone, one line says so on stderr (a terminal
 * or the journal); from then on log lines are dropped and counted.
 */
export function stdoutSink(): LogSink {
  sink ??= openLogSink(1, {
    onClosed: (code) => openLogSink(2).write(`lock: log output closed (${code}): log lines are dropped from now on; the lock keeps running\n`),
  });
  return sink;
}
