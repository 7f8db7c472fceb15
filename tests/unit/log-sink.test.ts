// The log sink on a real FIFO: a full pipe drops lines (counted, never a blocked write) and says how
// many once the reader catches up; a reader gone drops everything after, once reported; a device
// that fails writes (/dev/full) counts them. The process-level promise is tests/interop/log-output.test.ts.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLogSink, QUEUE_LIMIT } from '../../firmware/log-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'term-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FIFO with a non-blocking reader fd (read by hand) and a writer socket for the sink. */
function fifo(name: string) {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = new Socket({ fd: openSync(path, constants.O_WRONLY), readable: false, writable: true });
  /** Everything in the pipe now. */
  const readAll = () => {
    const chunk = Buffer.alloc(65536);
    let text = '';
    for (;;) {
      try {
        const n = readSync(readFd, chunk);
        if (n === 0) return text;
        text += chunk.toString('utf8', 0, n);
      } catch {
        return text;
      }
    }
  };
  return { path, readFd, writer, readAll };
}

const line = (i: number) => `${JSON.stringify({ level: 30, i, msg: 'x'.repeat(200) })}\n`;

async function until(test: () => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the log sink', () => {
  it('on a full pipe: writes return at once, lines beyond the queue are dropped and counted, and a line says how many when the reader catches up', async () => {
    const p = fifo('full');
    const sink = openLogSink(-1, { stream: p.writer });
    const lines = Math.ceil((QUEUE_LIMIT * 4) / line(0).length);
    for (let i = 0; i < lines; i++) sink.write(line(i));
    expect(sink.dropped.full).toBeGreaterThan(0);
    expect(sink.dropped.closed + sink.dropped.failed).toBe(0);
    const dropped = sink.dropped.full;
    // The reader catches up: every line not dropped arrives, then the count.
    let text = '';
    await until(() => ((text += p.readAll()), text.includes('"event":"log-dropped"')), 'the log-dropped line');
    const got = text.trim().split('\n').map((l) => JSON.parse(l) as { i?: number; lines?: number; event?: string });
    const notice = got.at(-1)!;
    expect(notice).toMatchObject({ event: 'log-dropped', lines: dropped });
    expect(got.length - 1 + dropped).toBe(lines);
    await sink.drain(5000);
    p.writer.destroy();
    closeSync(p.readFd);
  });

  it('when the reader is gone: EPIPE once reported, every later line dropped and counted, drain returns at once', async () => {
    const p = fifo('closed');
    const codes: string[] = [];
    const sink = openLogSink(-1, { stream: p.writer, onClosed: (code) => codes.push(code) });
    closeSync(p.readFd);
    sink.write(line(0));
    await until(() => codes.length > 0, 'the EPIPE');
    for (let i = 1; i <= 100; i++) sink.write(line(i));
    expect(codes).toEqual(['EPIPE']);
    expect(sink.dropped.closed).toBe(101);
    await sink.drain(60_000); // returns at once: nothing can be written any more
    p.writer.destroy();
  });

  it('a device or file: one write per line; a failing device (/dev/full) counts, never throws', () => {
    const file = join(dir, 'log');
    const fd = openSync(file, 'w');
    const sink = openLogSink(fd);
    sink.write(line(1));
    sink.write(line(2));
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(line(1) + line(2));
    const full = openSync('/dev/full', 'w');
    const failing = openLogSink(full);
    failing.write(line(3));
    expect(failing.dropped).toEqual({ closed: 0, full: 0, failed: 1 });
    closeSync(full);
  });

  it('before queue() (the boot lines): a plain write per line; a reader gone or a full non-blocking pipe is counted, never thrown', () => {
    const p = fifo('direct');
    const fd = openSync(p.path, constants.O_WRONLY | constants.O_NONBLOCK);
    const codes: string[] = [];
    const sink = openLogSink(fd, { onClosed: (code) => codes.push(code) });
    sink.write(line(1));
    expect(p.readAll()).toBe(line(1));
    const big = `${'y'.repeat(60_000)}\n`;
    for (let i = 0; i < 4; i++) sink.write(big); // 64 KiB of pipe: the later ones find it full
    expect(sink.dropped.full).toBeGreaterThan(0);
    closeSync(p.readFd);
    sink.write(line(2));
    sink.write(line(3));
    expect(codes).toEqual(['EPIPE']);
    expect(sink.dropped.closed).toBe(2);
    closeSync(fd);
    p.writer.destroy();
  });
});
