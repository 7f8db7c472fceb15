// Our own vectors (tests/vectors/grants, made by tools/gen-grant-vectors.ts): every threat of the
// design's section 9 that concerns grants, delegations, revocations, time and proofs, replayed step
// by step against the access core on a real on-disk store, under all three Ed25519 providers.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import type { Ed25519Provider } from '../../firmware/access/ed25519.js';
import { FileStore } from '../../firmware/store/file-store.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { generate, type Vector } from '../../tools/gen-grant-vectors.js';
import { fromHex as hex } from '../../firmware/util/hex.js';
import { ManualClock } from '../helpers/manual-clock.js';

const DIR = 'tests/vectors/grants';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const temp = mkdtempSync(join(tmpdir(), 'grant-vectors-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function run(vector: Vector, provider: Ed25519Provider): void {
  const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
  const queue: Uint8Array[] = [];
  const random: RandomSource = { bytes: (n) => queue.shift() ?? new Uint8Array(n), float: () => 0.5 };
  const dir = mkdtempSync(join(temp, `${vector.id}-`));
  const config = { ...DEFAULT_ACCESS, provider, lockId: vector.lock.lockId, timeZone: vector.lock.timeZone, ownerKeys: vector.lock.ownerKeys.map(hex) };
  let store = new FileStore(dir);
  let core = new AccessCore(config, { clock, random, store });
  expect(core.verifierProvider).toBe(provider); // no silent fallback from libsodium
  for (const [i, step] of vector.steps.entries()) {
    const where = `${vector.id} step ${i}`;
    if (step.at) clock.set(Date.parse(step.at));
    if (step.reboot) {
      store.close();
      store = new FileStore(dir);
      core = new AccessCore(config, { clock, random, store });
      continue;
    }
    if (step.challenge) {
      queue.push(hex(step.challenge));
      core.issueChallenge();
    }
    if (step.present) expect(core.decide(hex(step.present)), where).toMatchObject(step.expect!);
    if (step.revocations) expect(core.applyRevocations(hex(step.revocations)), where).toEqual(step.expect);
    if (step.heartbeat) expect(core.applyHeartbeat(hex(step.heartbeat)), where).toEqual(step.expect);
    if (step.command) {
      const result = core.verifyCommand(hex(step.command));
      expect(result.ok ? { ok: true, action: result.command.action } : result, where).toEqual(step.expect);
    }
  }
  store.close();
}

describe('grant vectors', () => {
  it('the committed files are what the generator makes', () => {
    const made = generate();
    expect(files.sort()).toEqual(Object.keys(made).map((n) => `${n}.json`).sort());
    for (const [name, vectors] of Object.entries(made)) {
      expect(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')), name).toEqual(JSON.parse(JSON.stringify(vectors)));
    }
  });

  for (const file of files) {
    const vectors = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Vector[];
    describe(file, () => {
      for (const provider of ['sodium', 'node', 'tweetnacl'] as const) {
        it.each(vectors.map((v) => ({ ...v, provider })))('$id [$provider]: $comment', (v) => run(v, provider));
      }
    });
  }
});
