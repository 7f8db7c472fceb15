// Mutation probe for the security rules: applies each named one-line mutation of tools/mutations.ts
// in place, runs the test files listed for it, restores the file, and reports killed or survived.
// Exits non-zero when any mutation survives or no longer applies. Not part of `npm test`.
// Run: npm run mutate [-- id ...]   (only the given mutations)
// The original is restored in a finally block and on SIGINT/SIGTERM; a copy is kept in
// .mutate-backup/ while a mutation is applied, and restored first if a previous run was killed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATIONS, type Mutation } from './mutations.js';

const BACKUP = '.mutate-backup';

/** Put back any file a killed run left mutated. */
function recover(): void {
  if (!existsSync(BACKUP)) return;
  for (const name of readdirSync(BACKUP)) {
    const target = Buffer.from(name, 'base64url').toString('utf8');
    copyFileSync(join(BACKUP, name), target);
    console.log(`restored ${target} from an interrupted run`);
  }
  rmSync(BACKUP, { recursive: true, force: true });
}

function withMutation<T>(m: Mutation, run: () => T): T {
  const original = readFileSync(m.file, 'utf8');
  const count = original.split(m.find).length - 1;
  if (count !== 1) throw new Error(`${m.id}: the text to mutate occurs ${count} times in ${m.file}`);
  mkdirSync(BACKUP, { recursive: true });
  const backup = join(BACKUP, Buffer.from(m.file).toString('base64url'));
  writeFileSync(backup, original);
  const restore = () => {
    writeFileSync(m.file, original);
    rmSync(BACKUP, { recursive: true, force: true });
  };
  const onSignal = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    writeFileSync(m.file, original.replace(m.find, m.replace));
    return run();
  } finally {
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function testsPass(files: string[]): boolean {
  const result = spawnSync('npx', ['vitest', 'run', '--bail=1', ...files], { stdio: 'ignore', timeout: 600_000 });
  return result.status === 0;
}

function main(): void {
  recover();
  const only = process.argv.slice(2);
  const chosen = only.length > 0 ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
  if (chosen.length === 0) throw new Error(`no mutation named ${only.join(', ')}`);
  const baseline = [...new Set(chosen.flatMap((m) => m.tests))];
  if (!testsPass(baseline)) throw new Error('the tests fail without any mutation: fix them first');
  const survived: string[] = [];
  const stale: string[] = [];
  for (const m of chosen) {
    const started = Date.now();
    let verdict: string;
    try {
      verdict = withMutation(m, () => (testsPass(m.tests) ? 'SURVIVED' : 'killed'));
    } catch (error) {
      verdict = `STALE (${(error as Error).message})`;
      stale.push(m.id);
    }
    if (verdict === 'SURVIVED') survived.push(m.id);
    console.log(`${verdict.padEnd(8)} ${m.id}  [${m.tests.join(' ')}] ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`\n${chosen.length} mutations: ${chosen.length - survived.length - stale.length} killed, ${survived.length} survived, ${stale.length} stale`);
  if (survived.length > 0 || stale.length > 0) process.exitCode = 1;
}

main();
