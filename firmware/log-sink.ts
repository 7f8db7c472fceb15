// Where the JSON log lines go (fd 1), written so that the lock never waits on its log: a reader that
// went away (EPIPE) or a full pipe or socket (journald slow) costs log lines, never a decision or a stop.
import { fstatSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Why lines were dropped: the reader is gone, the pipe stayed full, or a write failed otherwise. */
export type DropReason = 'closed' | 'full' | 'failed';

export interface LogSink {
  /** pino's destination: one JSON line. Never throws. */
  write(line: string): void;
  /** Lines not written, by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /**
   * From now on a pipe or socket is written through Node's non-blocking stream with a bounded
   * queue (it loads `net`: main calls this once the lock is ready). Until then each line is one
   * plain write: the few boot lines, which fit in any pipe's buffer.
   */
  queue(): void;
  /** Wait until what is queued is written, at most `ms` (a graceful stop); never longer. */
  drain(ms: number): Promise<void>;
}

/** Bytes queued for a slow reader before lines are dropped (about a thousand log lines). */
export const QUEUE_LIMIT = 256 * 1024;

const CLOSED = new Set(['EPIPE', 'ECONNRESET']);

/**
 * A sink on `fd` (or on `stream`, a pipe's socket: tests). A file, a terminal or /dev/null takes
 * each line with one write (they do not fill up). pino's own destination (sonic-boom) is not used:
 * at exit it flushes synchronously and retries a failed write every 100 ms forever (Atomics.wait),
 * so a lock whose log reader had gone (`lockd | grep -m1 ready`) never exited.
 */
export function openLogSink(fd = 1, { onClosed, stream }: { onClosed?: (code: string) => void; stream?: Writable } = {}): LogSink {
  const dropped: Record<DropReason, number> = { closed: 0, full: 0, failed: 0 };
  let closed = false;
  const close = (code: string, lines: number) => {
    dropped.closed += lines;
    if (closed) return;
    closed = true;
    onClosed?.(code);
  };
  let out: ReturnType<typeof queued> | null = null;
  const sink: LogSink = {
    dropped,
    write(line) {
      if (closed) dropped.closed++;
      else if (out) out.write(line);
      else {
        try {
          writeSync(fd, line);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'E_LOG';
          if (CLOSED.has(code)) close(code, 1);
          else dropped[code === 'EAGAIN' ? 'full' : 'failed']++;
        }
      }
    },
    queue() {
      if (out || closed) return;
      if (!stream && !isPipeOrSocket(fd)) return;
      out = queued(stream ?? (fd === 2 ? process.stderr : process.stdout), dropped, close);
    },
    drain: (ms) => (out && !closed ? out.drain(ms) : Promise.resolve()),
  };
  if (stream) sink.queue();
  return sink;
}

/** Lines through a non-blocking stream: bounded, dropped beyond the bound, counted, and said. */
function queued(out: Writable, dropped: Record<DropReason, number>, close: (code: string, lines: number) => void) {
  let fullSince = 0; // lines dropped since the queue last went over the limit
  let pending = 0; // writes not yet handed to the kernel
  const idle: (() => void)[] = [];
  const settle = () => {
    for (const done of idle.splice(0)) done();
  };
  const send = (line: string) => {
    pending++;
    out.write(line, () => {
      if (--pending <= 0) settle();
    });
  };
  out.on('error', (error: NodeJS.ErrnoException) => {
    // EPIPE, ECONNRESET: the reader is gone for good; what was queued is lost with it.
    const code = error.code ?? 'E_LOG';
    if (CLOSED.has(code)) close(code, Math.max(pending, 1));
    else {
      dropped.failed += Math.max(pending, 1);
      close(code, 0);
    }
    pending = 0;
    settle();
  });
  out.on('drain', () => {
    if (fullSince === 0) return;
    const n = fullSince;
    fullSince = 0;
    send(`${JSON.stringify({ level: 40, time: Date.now(), event: 'log-dropped', lines: n, msg: `log output was full: ${n} lines dropped` })}\n`);
  });
  return {
    write(line: string) {
      if (out.writableLength > QUEUE_LIMIT) {
        dropped.full++;
        fullSince++;
      } else send(line);
    },
    drain: (ms: number) =>
      pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            idle.push(() => (clearTimeout(timer), resolve()));
          }),
  };
}

/** A pipe or socket can fill up and needs the non-blocking stream; anything else takes a plain write. */
function isPipeOrSocket(fd: number): boolean {
  try {
    const s = fstatSync(fd);
    return s.isFIFO() || s.isSocket();
  } catch {
    return false; // a closed fd: its writes fail and are counted
  }
}
