// lockctl's command-line conventions: results on stdout and the rest on stderr, exit codes, "-" for
// stdin/stdout, --json, --version, paths from the user's directory, friendly file errors, refused times.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../tools/lockctl.js';

const dir = mkdtempSync(join(tmpdir(), 'lockctl-cli-'));
const f = (name: string) => join(dir, name);

/** lockctl in-process with separate streams (and `stdin` for "-"). */
async function lockctl(argv: string[], stdin: Buffer | string = '') {
  const out: string[] = [];
  const err: string[] = [];
  const bytes: Buffer[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), outBytes: (b) => bytes.push(Buffer.from(b)), stdin: () => Buffer.from(stdin) });
  return { code, out: out.join('\n'), err: err.join('\n'), bytes: Buffer.concat(bytes) };
}

beforeAll(async () => {
  expect(await main(['keygen', '--out', f('owner.key')], () => {})).toBe(0); // each test may use it, run alone or not
});

describe('lockctl streams, exit codes and --json', () => {
  it('keygen: the public key on stdout, the note on stderr; --json is one document; an existing file is refused without a stack', async () => {
    const made = await lockctl(['keygen', '--out', f('made.key')]);
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^public key [0-9a-f]{64}$/);
    expect(made.err).toContain(`key written to ${f('made.key')}`);
    const json = await lockctl(['keygen', '--out', f('second.key'), '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ file: f('second.key'), publicKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const again = await lockctl(['keygen', '--out', f('made.key')]);
    expect(again.code).toBe(1);
    expect(again.out).toBe('');
    expect(again.err).toMatch(/already exists; lockctl will not overwrite it/);
    expect(again.err).not.toMatch(/\n\s+at /); // no stack trace
    const missing = await lockctl(['keygen', '--out', f('no-such-folder/k.key')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/the folder .*no-such-folder does not exist/);
  });

  it('a wrong or missing --key file is named, its bytes never printed', async () => {
    writeFileSync(f('photo.key'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x41]));
    const wrong = await lockctl(['pubkey', '--key', f('photo.key')]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/--key .*photo\.key is not a key file made by "lockctl keygen" \(expected 64 hex digits; it holds 12 bytes of binary data\)/);
    expect(wrong.err).not.toContain('PNG');
    const missing = await lockctl(['pubkey', '--key', f('nope.key')]);
    expect([missing.code, missing.err]).toEqual([1, `lockctl: --key: no such file ${f('nope.key')}`]);
    const usage = await lockctl(['grant', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/Unknown option '--bogus'/);
  });

  it('"-" is stdin for inputs and stdout for --out; --json with --out - is refused', async () => {
    const seed = readFileSync(f('owner.key'));
    const pub = (await lockctl(['pubkey', '--key', f('owner.key')])).out;
    expect((await lockctl(['pubkey', '--key', '-'], seed)).out).toBe(pub);
    const grant = await lockctl(['grant', '--key', f('owner.key'), '--lock', 'front-door', '--role', 'guest', '--holder', pub, '--until', '+1d', '--out', '-']);
    expect(grant.code).toBe(0);
    expect(grant.out).toBe('');
    expect(grant.bytes[0]).toBe(0xd2); // a tagged COSE_Sign1, raw on stdout
    const inspected = await lockctl(['inspect', '-', '--lock', 'front-door', '--owner', pub], grant.bytes);
    expect(inspected.out).toContain('no problem found');
    expect(inspected.code).toBe(0);
    const both = await lockctl(['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', pub, '--out', '-', '--json']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--json and --out - both want stdout/);
  });

  it('times that could never work are refused unless --force', async () => {
    const pub = (await lockctl(['pubkey', '--key', f('owner.key')])).out;
    const base = ['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', pub];
    const backwards = await lockctl([...base, '--from', '+2d', '--until', '+1d']);
    expect(backwards.code).toBe(2);
    expect(backwards.err).toMatch(/--until .* is not after --from .*: it could never be used \(--force to make it anyway\)/);
    const past = await lockctl([...base, '--until', '2020-01-01T00:00:00Z']);
    expect(past.code).toBe(2);
    expect(past.err).toMatch(/--until 2020-01-01T00:00:00.000Z is in the past/);
    const delegation = await lockctl(['delegate', '--key', f('owner.key'), '--lock', 'x', '--to', pub, '--roles', 'delivery', '--until', '2020-01-01T00:00:00Z']);
    expect(delegation.code).toBe(2);
    const forced = await lockctl([...base, '--until', '2020-01-01T00:00:00Z', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out).hex).toMatch(/^d2/);
  });

  it('inspect: exit 3 when a lock would refuse, 5 when the verdict needs the zone or the chain, times in the zone given', async () => {
    const owner = (await lockctl(['pubkey', '--key', f('owner.key')])).out;
    await lockctl(['keygen', '--out', f('carrier.key')]);
    const carrier = (await lockctl(['pubkey', '--key', f('carrier.key')])).out;
    const weekly = (await lockctl(['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', carrier, '--schedule', 'Mon 08:00-09:00', '--json'])).out;
    const hex = JSON.parse(weekly).hex as string;
    const noZone = await lockctl(['inspect', '--hex', hex, '--lock', 'x', '--owner', owner]);
    expect(noZone.code).toBe(5);
    expect(noZone.out).toMatch(/depends on what was not given: --tz ZONE/);
    expect(noZone.out).toContain('valid at any time (no start, no end)');
    expect(noZone.out).not.toContain('none');
    const outside = await lockctl(['inspect', '--hex', hex, '--lock', 'x', '--owner', owner, '--tz', 'Europe/Berlin', '--at', '2026-06-02T10:00:00Z', '--json']);
    expect(outside.code).toBe(3);
    expect(JSON.parse(outside.out)).toMatchObject({ verdict: 'refused', problems: [expect.stringMatching(/outside its weekly windows/)] });
    // A grant by a delegate, checked alone: the verdict depends on the chain.
    const delegated = JSON.parse((await lockctl(['grant', '--key', f('carrier.key'), '--lock', 'x', '--role', 'delivery', '--holder', owner, '--from', '2026-06-01T08:00:00Z', '--until', '2099-01-01T00:00:00Z', '--json'])).out).hex as string;
    const alone = await lockctl(['inspect', '--hex', delegated, '--lock', 'x', '--owner', owner, '--tz', 'Europe/Berlin']);
    expect(alone.code).toBe(5);
    expect(alone.out).toMatch(/the chain: it is not signed by an owner key given/);
    expect(alone.out).toContain('valid from 2026-06-01 10:00:00 Europe/Berlin until 2099-01-01 01:00:00 Europe/Berlin');
  });

  it('a message whose signature ends in a zero byte is read as the message, not as serial frames', async () => {
    const owner = (await lockctl(['pubkey', '--key', f('owner.key')])).out;
    let hex = '';
    for (let i = 0; !hex.endsWith('00'); i++) {
      const id = i.toString(16).padStart(32, '0');
      hex = JSON.parse((await lockctl(['grant', '--key', f('owner.key'), '--lock', 'x', '--role', 'guest', '--holder', owner, '--id', id, '--json'])).out).hex as string;
    }
    const read = await lockctl(['inspect', '--hex', hex, '--lock', 'x', '--owner', owner]);
    expect(read.out).toMatch(/^message: COSE_Sign1/);
    expect(read.code).toBe(0);
  });

  it('--version; installer commands keep progress on stderr', async () => {
    const version = await lockctl(['--version']);
    expect(version.out).toBe(`lockctl ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}`);
    const info = await lockctl(['info', '--port', f('no-such-tty')]);
    expect(info.code).toBe(1);
    expect(info.out).toBe('');
    expect(info.err).toMatch(/no serial port at/);
  });
});

describe('lockctl as a process', () => {
  it('resolves paths from INIT_CWD (npm run), prints results on stdout only, and exits with the code', () => {
    const home = join(dir, 'user-home');
    mkdirSync(home);
    const run = (args: string[], input?: Buffer) =>
      spawnSync(process.execPath, ['tools/bin/lockctl.mjs', ...args], { env: { ...process.env, INIT_CWD: home }, input, encoding: 'buffer', timeout: 60_000 });
    const made = run(['keygen', '--out', 'owner.key']);
    expect(made.status, made.stderr.toString()).toBe(0);
    expect(readFileSync(join(home, 'owner.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/); // in the user's directory, not the repo
    expect(made.stdout.toString()).toMatch(/^public key [0-9a-f]{64}\n$/);
    expect(made.stderr.toString()).toContain(join(home, 'owner.key'));
    const refused = run(['grant', '--key', 'owner.key', '--lock', 'x', '--role', 'guest', '--holder', '00'.repeat(32), '--until', '2020-01-01T00:00:00Z']);
    expect(refused.status).toBe(2);
    expect(refused.stdout.length).toBe(0);
    expect(refused.stderr.toString()).toMatch(/^lockctl: --until .* is in the past/);
  }, 90_000);
});
