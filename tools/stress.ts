// `npm run test:stress`: the whole suite while two busy-loop processes load both cores, as on a
// shared CI machine. The hogs are killed when vitest ends (or on Ctrl-C); vitest's exit code is ours.
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const hogCount = Number(process.env.STRESS_HOGS ?? Math.max(2, availableParallelism()));
const hogs: ChildProcess[] = [];
for (let i = 0; i < hogCount; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const hog of hogs) if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
};
process.stderr.write(`test:stress: ${hogCount} busy-loop processes (pids ${hogs.map((h) => h.pid).join(', ')}) while vitest runs\n`);

const started = Date.now();
const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    vitest.kill(signal);
    stopHogs();
  });
}
vitest.on('exit', (code, signal) => {
  stopHogs();
  process.stderr.write(`test:stress: vitest ${code === 0 ? 'passed' : `failed (${code ?? signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s under ${hogCount} hogs\n`);
  process.exit(code ?? 1);
});
