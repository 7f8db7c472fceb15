// Resident memory of the running lock holding 100,000 revocations and 10,000 grants: a child
// process boots the lock (paired, simulated board) on a state directory whose revocation snapshot
// lists 100,000 ids, is pushed 10,000 grants through the access core, and reports its RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../firmware/store/file-store.js';
import { seededRandom } from '../hal/node/random.js';
import { mintGrant, mintHeartbeat, mintRevocations } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { pairedConfig } from './boot.js';
import { atMost, type Figure } from './figures.js';

/** Young-generation cap (MiB) the lock should run with on a 512 MB board; Node's default (16) keeps ~30 MB more resident after a burst. */
const SEMI_SPACE_MB = 2;

export async function benchResidentMemory(childScript: string): Promise<Figure[]> {
  const owner = fastKey('owner');
  const random = seededRandom(12);
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const config = pairedConfig(dir, Buffer.from(owner.publicKey).toString('hex'));
  const now = Math.floor(Date.now() / 1000);
  const store = new FileStore(join(dir, 'state'));
  store.saveSnapshot('revocations', mintRevocations(owner, { seq: 1, aud: 'front-door', iat: now, grants: Array.from({ length: 100_000 }, () => random.bytes(16)) }));
  store.saveSnapshot('heartbeat', mintHeartbeat(owner, { time: now, seq: 1, aud: 'front-door' }));
  store.close();
  const grants = Array.from({ length: 10_000 }, () => mintGrant(owner, { aud: 'front-door', cti: random.bytes(16), role: 'guest', exp: now + 86_400, credential: { kind: 'pin', digests: [random.bytes(32)] } }));
  const file = join(dir, 'grants.bin');
  writeFileSync(file, Buffer.concat(grants.flatMap((g) => [Buffer.from(Uint32Array.of(g.length).buffer), g])));
  const report = await new Promise<{ rss: number; anon: number; file: number; heap: number; grants: number; revocationSeq: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', `--max-semi-space-size=${SEMI_SPACE_MB}`, childScript, config, file], { env: { ...process.env, IS_TEST_MODE: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"rss"'));
      if (code === 0 && line) resolve(JSON.parse(line));
      else reject(new Error(`rss child exited ${code}: ${out.slice(-500)}`));
    });
  });
  if (report.grants !== 10_000 || report.revocationSeq !== 1) throw new Error(`rss child holds ${report.grants} grants, revocation list ${report.revocationSeq}`);
  return [
    atMost('running lock with 100,000 revocations and 10,000 grants: RSS', report.rss / 2 ** 20, 'MiB', 80 / 1.048576, '80 MB', `anonymous ${(report.anon / 2 ** 20).toFixed(1)} MiB, node binary pages ${(report.file / 2 ** 20).toFixed(1)} MiB, heap ${(report.heap / 2 ** 20).toFixed(1)} MiB; node --max-semi-space-size=${SEMI_SPACE_MB}`),
  ];
}
