// Boot figures. CPU time to "ready" of a paired lock as the Debian package's lockd starts it (the
// production bundle with lockd's node flags and environment; the bar), as plain `node` starts the
// bundle, and the tsc build when built, as a ratio to `node -e 0` measured interleaved in the same run; the
// ready log line carries the process's own CPU time. With --full, also in-process boots on the
// simulated board (real time).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { atMost, type Figure, percentile } from './figures.js';
import { shippedCommand } from './rss.js';

const OWNER = 'a93063072584ee3a36bc8ae4c1d7f41925d8e938a723824c6d2eb878b92d83fc';

/** A paired lock's files, as pairing would leave them (no broker: the network comes after ready anyway). */
export function pairedConfig(dir = mkdtempSync(join(tmpdir(), 'bench-boot-')), owner = OWNER): string {
  writeFileSync(join(dir, 'keypad.secret'), '42'.repeat(32));
  const config = join(dir, 'lock.json');
  writeFileSync(config, JSON.stringify({ access: { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner], stateDir: join(dir, 'state'), keypadSecretFile: join(dir, 'keypad.secret') } }));
  return config;
}

/** CPU ms of a process until its "ready" log line (or, for the baseline, until exit). */
function cpuToReady(args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env, IS_TEST_MODE: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const fail = (code: number | null) => reject(new Error(`${args.join(' ')} exited (${code}) before ready`));
    child.on('exit', fail);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /"cpuMs":([\d.]+)/.exec(line);
      if (!m) return;
      child.off('exit', fail);
      child.kill('SIGTERM');
      child.once('exit', () => resolve(Number(m[1])));
    });
  });
}

const BASELINE = ['-e', "process.on('exit', () => { const u = process.cpuUsage(); console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 })); })"];

export async function benchBootCpu(runs: number): Promise<Figure[]> {
  const config = pairedConfig();
  const lock = (entry: string) => [entry, '--board', 'sim', '--json', '--config', config];
  // lockd's own line (paths in this checkout, its code cache directory a temp one here).
  const shipped = shippedCommand(process.cwd());
  const lockdEnv = { ...shipped.env, ...(shipped.env.LOCK_CODE_CACHE_DIR ? { LOCK_CODE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'bench-boot-cache-')) } : {}) };
  const entries: { name: string; args: string[]; env?: Record<string, string> }[] = [
    { name: `as packaging/deb/lockd starts it (node ${[...shipped.flags, relative(process.cwd(), shipped.entry)].join(' ')})`, args: [...shipped.flags, shipped.entry, ...shipped.args, ...lock('').slice(1)], env: lockdEnv },
    { name: 'production bundle, plain node (node dist/bundle/start.cjs)', args: lock('dist/bundle/start.cjs') },
    ...(existsSync('dist/firmware/main.js') ? [{ name: 'tsc build (dist/firmware/main.js, packaged before the bundle), plain node', args: lock('dist/firmware/main.js') }] : []),
  ];
  // The first starts write the bundle's code caches.
  await cpuToReady(entries[0]!.args, entries[0]!.env);
  await cpuToReady(entries[1]!.args);
  // The tsc build is measured only when it starts (an old dist/ may not match boards.json: `npm run build`).
  if (entries[2] && !(await cpuToReady(entries[2].args).then(() => true, () => false))) entries.pop();
  // The peers: node's own start, plain and with lockd's flags and environment (its memory flags
  // make V8 itself start slower; the bar compares the lock with node started the same way).
  const baseline: number[] = [];
  const baselineShipped: number[] = [];
  const times = entries.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    baseline.push(await cpuToReady(BASELINE));
    baselineShipped.push(await cpuToReady([...shipped.flags, ...BASELINE], shipped.env));
    for (const [k, e] of entries.entries()) times[k]!.push(await cpuToReady(e.args, e.env));
  }
  const base = percentile(baseline.sort((a, b) => a - b), 50);
  const baseShipped = percentile(baselineShipped.sort((a, b) => a - b), 50);
  const figures: Figure[] = [
    { name: `node -e 0, CPU to exit, p50 of ${runs}`, value: base, unit: 'ms' },
    { name: `node ${shipped.flags.join(' ')} -e 0 (lockd's flags and environment), CPU to exit`, value: baseShipped, unit: 'ms' },
  ];
  for (const [k, e] of entries.entries()) {
    const p50 = percentile(times[k]!.sort((a, b) => a - b), 50);
    const name = `paired lock, CPU to ready, ${e.name}`;
    if (k === 0) {
      figures.push(atMost(`${name} / node -e 0 with the same flags`, p50 / baseShipped, 'x', 2, '2x', `${p50.toFixed(0)} ms CPU; ${(p50 / base).toFixed(2)}x plain node -e 0`));
    } else {
      figures.push({ name: `${name} / node -e 0`, value: p50 / base, unit: 'x', note: `${p50.toFixed(0)} ms CPU` });
    }
  }
  return figures;
}
