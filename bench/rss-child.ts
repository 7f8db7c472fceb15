// Child of bench/rss.ts: boots the lock through the shipped composition (startLock(), simulated board),
// stores the grants it is given through the access core, then prints its resident memory.
import { readFileSync } from 'node:fs';
import { parseLockConfig } from '../firmware/config.js';
import { createLogger } from '../firmware/log.js';
import { startLock } from '../firmware/main.js';

async function main(): Promise<void> {
  const [configFile, grantsFile] = process.argv.slice(2);
  const config = parseLockConfig(JSON.parse(readFileSync(configFile!, 'utf8')));
  const { lock } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }) });
  const core = lock.app.core!;
  let packed: Buffer | null = readFileSync(grantsFile!);
  let stored = 0;
  for (let at = 0; at < packed.length; ) {
    const length = packed.readUInt32LE(at);
    // As the core holds them after reloading its grant journal at boot (not written again here: 10,000 fsyncs).
    const result = core.storeGrant([Uint8Array.from(packed.subarray(at + 4, at + 4 + length))], false);
    if (result.ok) stored++;
    at += 4 + length;
  }
  packed = null;
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  globalThis.gc?.();
  const memory = process.memoryUsage();
  // Private (anonymous) memory apart from the node binary's file pages, which every Node process shares.
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  console.log(JSON.stringify({ rss: memory.rss, anon: kib('RssAnon'), file: kib('RssFile'), heap: memory.heapUsed, grants: core.grants.size, revocationSeq: core.revocationSeq, stored }));
  await lock.stop();
  process.exit(0);
}

void main();
