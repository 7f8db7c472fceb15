// Loaded into the measured lock with `node --require` (bench/rss.ts): on SIGUSR2 it prints one JSON
// line of the process's memory, as the process holds it and again a second after a full collection. Adds a
// signal handler and nothing else; no flag the shipped lock lacks (gc is reached at run time).
import { writeSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

function sample(): Record<string, number> {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  const m = process.memoryUsage();
  return { rss: m.rss, anon: kib('RssAnon'), file: kib('RssFile'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

process.on('SIGUSR2', () => {
  const before = sample();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  // The collector hands freed pages back on a background thread: read a moment later.
  setTimeout(() => writeSync(1, `${JSON.stringify({ probe: { before, after: sample() } })}\n`), 1000);
});
