// Where the JSON log lines go (fd 1), written so that the lock never waits on its log: a reader
// that went away (EPIPE) or a full pipe or socket (journald slow) costs log lines, never a decision or a stop.
import { fstatSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Why lines were dropped: the reader is gone, the pipe stayed full, or a write failed otherwise. */
export type DropReason = 'closed' | 'full' | 'failed';

export interface LogSink {
  /** pino's destination: one JSON line. Never blocks, never throws. */
  write(line: string): void;
  /** Lines not written, by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Wait until what is queued is written, at most `ms` (a graceful stop); never longer. */
  drain(ms: number): Promise<void>;
}

/** Bytes queued for a slow reader before lines are dropped (about a thousand log lines). */
export const QUEUE_LIMIT = 256 * 1024;

/**
 * A sink on `fd` (or on `stream`, a pipe's socket: tests). A pipe or a socket (a shell pipe,
 * journald's stream socket) is written through Node's non-blocking stream with a bounded queue; a
 * file, a terminal or /dev/null takes each line with one write (they do not fill up). pino's own destination (sonic-boom) is not used: at exit
 * it flushes synchronously and retries a failed write every 100 ms forever (Atomics.wait), so a
 * lock whose log reader had gone never exited.
 */
export function openLogSink(fd = 1, { onClosed, stream }: { onClosed?: (code: string) => void; stream?: Writable } = {}): LogSink {
  const kind = stream ? 'stream' : streamKind(fd);
  const dropped: Record<DropReason, number> = { closed: 0, full: 0, failed: 0 };
  if (kind === 'direct') {
    return {
      dropped,
      write(line) {
        try {
          writeSync(fd, line);
        } catch (error) {
          dropped[(error as NodeJS.ErrnoException).code === 'EPIPE' ? 'closed' : 'failed']++;
        }
      },
      drain: () => Promise.resolve(),
    };
  }
  // process.stdout for a pipe or socket is a net.Socket: O_NONBLOCK, a queue, errors as events.
  const out: Writable = stream ?? (fd === 2 ? process.stderr : process.stdout);
  let closed = false;
  let fullSince = 0; // lines dropped since the queue last went over the limit
  let queued = 0; // writes not yet handed to the kernel
  let idle: (() => void)[] = [];
  const written = () => {
    if (--queued > 0) return;
    for (const done of idle) done();
    idle = [];
  };
  const send = (line: string) => {
    queued++;
    out.write(line, written);
  };
  out.on('error', (error: NodeJS.ErrnoException) => {
    // EPIPE, ECONNRESET: the reader is gone for good; what was queued is lost with it.
    if (!closed) onClosed?.(error.code ?? 'E_LOG');
    closed = true;
    dropped[error.code === 'EPIPE' || error.code === 'ECONNRESET' ? 'closed' : 'failed'] += Math.max(queued, 1);
    queued = 0;
    for (const done of idle) done();
    idle = [];
  });
  out.on('drain', () => {
    if (fullSince === 0 || closed) return;
    const n = fullSince;
    fullSince = 0;
    send(`${JSON.stringify({ level: 40, time: Date.now(), event: 'log-dropped', lines: n, msg: `log output was full: ${n} lines dropped` })}\n`);
  });
  return {
    dropped,
    write(line) {
      if (closed || out.destroyed) {
        dropped.closed++;
        return;
      }
      if (out.writableLength > QUEUE_LIMIT) {
        dropped.full++;
        fullSince++;
        return;
      }
      send(line);
    },
    drain(ms) {
      if (closed || queued === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** A pipe or socket needs the non-blocking stream; anything else takes a plain write. */
function streamKind(fd: number): 'stream' | 'direct' {
  try {
    const s = fstatSync(fd);
    return s.isFIFO() || s.isSocket() ? 'stream' : 'direct';
  } catch {
    return 'direct'; // a closed fd: its writes fail and are counted
  }
}
