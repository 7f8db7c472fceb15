// The test-tool check: a missing system tool skips its suites with one line saying how to install
// it; under CI=true it is a failure naming the tool. Checked in-process and on a real `vitest` run.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingToolError, requireTool, toolPath } from '../helpers/tools.js';

const saved = { PATH: process.env.PATH, CI: process.env.CI, TEST_TOOL_DIRS: process.env.TEST_TOOL_DIRS };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('requireTool', () => {
  it('finds a tool on PATH or in the extra dirs, and skips (true) without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-'));
    writeFileSync(join(dir, 'fake-tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'fake-tool'), 0o755);
    delete process.env.CI;
    process.env.TEST_TOOL_DIRS = '';
    expect(requireTool('fake-tool', 'x')).toBe(true);
    process.env.TEST_TOOL_DIRS = dir; // as /usr/sbin for mosquitto
    expect(toolPath('fake-tool')).toBe(join(dir, 'fake-tool'));
    process.env.TEST_TOOL_DIRS = '';
    process.env.PATH = `${dir}:${saved.PATH}`;
    expect(requireTool('fake-tool', 'x')).toBe(false);
  });

  it('under CI=true a missing tool throws, naming it and its install command', () => {
    process.env.CI = 'true';
    expect(() => requireTool('no-such-tool-18', 'sudo apt-get install no-such-tool-18')).toThrow(MissingToolError);
    expect(() => requireTool('no-such-tool-18', 'sudo apt-get install no-such-tool-18')).toThrow(/CI=true and no-such-tool-18 is missing: install it with: sudo apt-get install no-such-tool-18/);
  });
});

describe('a vitest run without socat', () => {
  // A PATH holding node and sh only (socat, mosquitto, openssl hidden) and no extra dirs.
  const bin = mkdtempSync(join(tmpdir(), 'tools-bin-'));
  for (const cmd of ['node', 'sh']) execFileSync('ln', ['-s', toolPath(cmd)!, join(bin, cmd)]);
  const vitest = (ci: string) =>
    spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'tests/interop/pairing-pty.test.ts'], {
      env: { ...process.env, PATH: bin, TEST_TOOL_DIRS: '', CI: ci, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('skips the suite and prints the notice; with CI=true fails naming the tool', () => {
    const local = vitest('');
    expect(local.stderr + local.stdout).toMatch(/skip notice: socat not found on PATH: its suites are skipped; install it with: sudo apt-get install socat/);
    expect(local.stdout).toMatch(/skipped/);
    expect(local.status, local.stdout + local.stderr).toBe(0);
    const ci = vitest('true');
    expect(ci.status).not.toBe(0);
    expect(ci.stderr + ci.stdout).toMatch(/missing tool: socat not found on PATH: its suites FAIL \(CI=true\); install it with: sudo apt-get install socat/);
    expect(ci.stderr + ci.stdout).toMatch(/MissingToolError: CI=true and mosquitto is missing: install it with: sudo apt-get install mosquitto/);
  }, 180_000);
});
