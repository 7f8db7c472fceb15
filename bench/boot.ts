// Boot to ready on the simulated board, in real time: boards.json -> IO plugin -> johnny-five
// drivers -> first reading of every input -> controller started.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseLockConfig } from '../firmware/config.js';
import { createLogger } from '../firmware/log.js';
import { startLock } from '../firmware/main.js';
import { purgeJohnnyFive } from '../hal/johnny-five/purge.js';
import type { SimBoard } from '../sim/board.js';
import { type Figure, percentile } from './figures.js';

export async function benchBoot(runs: number): Promise<Figure[]> {
  const logger = createLogger({ level: 'silent' });
  const config = parseLockConfig({});
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const { lock, world } = await startLock({ board: 'sim', config, logger });
    times.push(performance.now() - t0);
    await lock.stop();
    (world as SimBoard).io.close();
    purgeJohnnyFive();
  }
  const [cold, ...warm] = times;
  warm.sort((a, b) => a - b);
  return [
    {
      name: 'boot to ready, first (cold, loads modules)',
      value: cold!,
      unit: 'ms',
      bar: '<= 300 ms',
      ok: cold! <= 300,
    },
    {
      name: `boot to ready, p50 of ${warm.length} warm`,
      value: percentile(warm, 50),
      unit: 'ms',
      bar: '<= 300 ms',
      ok: percentile(warm, 50) <= 300,
    },
    {
      name: `boot to ready, max of ${warm.length} warm`,
      value: warm.at(-1)!,
      unit: 'ms',
      bar: '<= 300 ms',
      ok: warm.at(-1)! <= 300,
    },
  ];
}

/** Whole process, as `npm start` runs it: `node dist/firmware/main.js --board sim` until "ready". */
export async function benchProcessBoot(runs: number, paired: boolean): Promise<Figure[]> {
  const times: number[] = [];
  const args = ['dist/firmware/main.js', '--board', 'sim', '--json'];
  if (paired) {
    // A paired lock: owner key, keypad secret and state directory, as pairing would leave them.
    const dir = mkdtempSync(join(tmpdir(), 'bench-boot-'));
    writeFileSync(join(dir, 'keypad.secret'), '42'.repeat(32));
    const owner = 'a93063072584ee3a36bc8ae4c1d7f41925d8e938a723824c6d2eb878b92d83fc';
    writeFileSync(join(dir, 'lock.json'), JSON.stringify({ access: { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner], stateDir: join(dir, 'state'), keypadSecretFile: join(dir, 'keypad.secret') } }));
    args.push('--config', join(dir, 'lock.json'));
  }
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, IS_TEST_MODE: '' },
    });
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`lock exited (${code}) before ready`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.includes('"event":"ready"')) resolve();
      });
    });
    times.push(performance.now() - t0);
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  times.sort((a, b) => a - b);
  return [
    {
      name: `process start to ready${paired ? ', paired' : ''}, p50 of ${runs}`,
      value: percentile(times, 50),
      unit: 'ms',
      bar: '<= 300 ms',
      ok: percentile(times, 50) <= 300,
      note: 'compiled build, includes Node start-up',
    },
    {
      name: `process start to ready${paired ? ', paired' : ''}, max of ${runs}`,
      value: times.at(-1)!,
      unit: 'ms',
      bar: '<= 300 ms',
      ok: times.at(-1)! <= 300,
    },
  ];
}
