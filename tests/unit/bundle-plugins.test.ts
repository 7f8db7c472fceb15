// The production bundle's plugins (tools/bundle-plugins.mjs) change what is evaluated at load, never
// what the bundled packages do: johnny-five bundled through them still has every component and LED
// kind, chalk's stand-in gives the text, node:module and pino's transport work at their first use
// (the transport's worker found in node_modules), and pino's lazy assert still throws.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { external, plugins } from '../../tools/bundle-plugins.mjs';

// Inside the repository, as dist/bundle is: the bundle's external packages load from node_modules.
const dir = mkdtempSync(join('dist', 'test-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundle `source` (CommonJS, at the repository root) through the production plugins and load it. */
async function bundled(name: string, source: string): Promise<Record<string, unknown>> {
  const entry = join(dir, `${name}.entry.cjs`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.cjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node20', external, plugins, logLevel: 'silent', nodePaths: ['node_modules'] });
  return createRequire(import.meta.url)(join(process.cwd(), outfile)) as Record<string, unknown>;
}

describe('the production bundle plugins', () => {
  it('johnny-five keeps every component, every LED kind and their aliases', async () => {
    const m = await bundled('five', `module.exports = { five: require('johnny-five') };`);
    const five = m.five as Record<string, unknown> & { Led: Record<string, unknown> };
    for (const kind of ['Collection', 'RGB', 'Matrix', 'Digits']) expect(typeof five.Led[kind], kind).toBe('function');
    expect(five.Led.RGBs).toBe((five.Led.RGB as Record<string, unknown>).Collection);
    expect(typeof (five.Led.RGBs as unknown)).toBe('function');
    expect(five.Leds).toBe(five.Led.Collection);
    for (const name of ['Board', 'Pin', 'Sensor', 'Switch', 'Motor', 'Servo', 'Button']) expect(typeof five[name], name).toBe('function');
  });

  it('an RGB LED still converts colour names (color-convert, loaded at the first name)', async () => {
    const m = await bundled('rgb', `module.exports = require('johnny-five').Led.RGB;`);
    const toRgb = (m as unknown as { ToRGB: (value: unknown) => unknown }).ToRGB;
    expect(toRgb('red')).toEqual({ red: 255, green: 0, blue: 0 });
  });

  it("johnny-five's console lines (chalk's stand-in) carry the same text, uncoloured", async () => {
    const m = await bundled('board-log', `
      const Board = require('johnny-five').Board;
      const lines = [];
      const board = Object.assign(Object.create(Board.prototype), { debug: true, emit() {} });
      const log = console.log;
      console.log = (line) => lines.push(line);
      try {
        Board.prototype.log.call(board, 'info', 'Board', 'Connected', 'COM1');
        Board.prototype.log.call(board, 'fail', 'Board', 'Lost');
      } finally {
        console.log = log;
      }
      module.exports = { lines };
    `);
    // johnny-five's own layout: time, class, message with its arguments, the arguments again.
    expect(m.lines).toEqual([expect.stringMatching(/^\d+ Board Connected COM1 COM1$/), expect.stringMatching(/^\d+ Board Lost {2}$/)]);
  });

  it('node:module, read at its first use, gives ES module importers every export (createRequire loads a package)', async () => {
    const esm = join(dir, 'module.entry.mjs');
    writeFileSync(esm, `import { createRequire, builtinModules } from 'node:module';\nimport * as all from 'module';\nexport const nacl = createRequire(${JSON.stringify(join(process.cwd(), 'package.json'))})('tweetnacl');\nexport const builtins = builtinModules;\nexport const names = Object.keys(all);\n`);
    const m = await bundled('module', `module.exports = require(${JSON.stringify(join(process.cwd(), esm))});`);
    expect(typeof (m.nacl as { sign: { detached: { verify: unknown } } }).sign.detached.verify).toBe('function');
    expect(m.builtins).toContain('fs');
    expect(m.names).toEqual(expect.arrayContaining(['createRequire', 'builtinModules', 'Module']));
  });

  it("pino's transport, loaded when a logger asks for one, is pino's own and starts its worker from node_modules", async () => {
    const m = await bundled('transport', `
      const pino = require('pino');
      module.exports = { transport: pino.transport };
      if (require.main === module) {
        // Run as a process: a worker started by the bundled code (pretty output at a terminal works the same way).
        const transport = pino.transport({ target: 'pino/file', options: { destination: process.argv[2] } });
        pino({ base: undefined }, transport).info({ event: 'probe' }, 'through the worker');
        transport.end();
      }
    `);
    expect(() => (m.transport as (options: object) => unknown)({ target: 'pino/file', targets: [] })).toThrow('only one of target or targets can be specified');
    const out = join(dir, 'transport.log');
    execFileSync(process.execPath, [join(dir, 'transport.cjs'), resolve(out)], { timeout: 30_000 });
    expect(readFileSync(out, 'utf8')).toContain('"msg":"through the worker"');
  });

  it("pino's sonic-boom still asserts what it assumes (node:assert, loaded at the first check)", async () => {
    const m = await bundled('sonic', `const SonicBoom = require('sonic-boom'); module.exports = { make: (fd) => new SonicBoom({ fd, sync: true }) };`);
    const boom = (m.make as (fd: number) => { fd: unknown; destroy(): void })(openSync('/dev/null', 'w'));
    boom.fd = 'not a number';
    expect(() => boom.destroy()).toThrow(/sonic.fd must be a number, got string/);
  });
});
