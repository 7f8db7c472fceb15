// The one dependency rule, transitively: nothing reachable from firmware/ (but main.ts), through any
// chain of imports, static or dynamic, type-only included, imports drivers (hal/johnny-five), the
// serial-line drivers (hal/node/serial-*), the simulator (sim/), johnny-five or serialport. The test
// reads the import graph from the source text and names the chain that breaks the rule.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const FORBIDDEN_PACKAGES = [/^johnny-five$/, /^serialport$/, /^@serialport\//];

interface Rule {
  /** Directories (absolute) nothing reachable may enter. */
  dirs: string[];
  /** File name patterns (absolute path) nothing reachable may import. */
  files: RegExp[];
}

const rule = (top: string): Rule => ({
  dirs: ['hal/johnny-five', 'sim'].map((d) => resolve(top, d)),
  files: [new RegExp(`^${resolve(top, 'hal/node')}/serial-[^/]*$`)],
});

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|js|mjs|cjs)$/.test(entry.name)) yield path;
  }
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'"]*?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specs.push(match[1]!);
  return specs;
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` in this tree). */
function resolveSpec(from: string, spec: string): string {
  const target = resolve(dirname(from), spec);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? target;
}

/** Every chain from firmware/ (but main.ts) to something forbidden, as `a -> b -> c imports x`. */
function violations(top: string, r: Rule = rule(top)): string[] {
  const root = resolve(top, 'firmware');
  const out: string[] = [];
  const seen = new Set<string>();
  const forbiddenFile = (path: string) => r.dirs.some((d) => path === d || path.startsWith(`${d}/`)) || r.files.some((f) => f.test(path));
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const here = [...chain, relative(top, file)];
    for (const spec of importsOf(source)) {
      if (!spec.startsWith('.')) {
        if (FORBIDDEN_PACKAGES.some((p) => p.test(spec))) out.push(`${here.join(' -> ')} imports ${spec}`);
        continue;
      }
      const target = resolveSpec(file, spec);
      if (forbiddenFile(target)) out.push(`${here.join(' -> ')} imports ${spec}`);
      else walk(target, here);
    }
  };
  for (const file of files(root)) {
    if (relative(root, file) === 'main.ts') continue;
    walk(file, []);
  }
  return out;
}

describe('import rule', () => {
  it('nothing reachable from firmware/ (main.ts excepted) imports a driver, the simulator, johnny-five or serialport', () => {
    expect(violations(resolve('.'))).toEqual([]);
  });

  it('fails on a planted two-step violation, names the chain, and lets main.ts through', () => {
    const top = mkdtempSync(join(tmpdir(), 'import-rule-'));
    for (const d of ['firmware/lock', 'hal/node', 'hal/ports', 'sim/io']) mkdirSync(join(top, d), { recursive: true });
    // firmware/lock/a.ts -> hal/ports/helper.ts -> sim/io/sim-io.ts: each step looks innocent.
    writeFileSync(join(top, 'firmware', 'lock', 'a.ts'), `import { helper } from '../../hal/ports/helper.js';\n`);
    writeFileSync(join(top, 'hal', 'ports', 'helper.ts'), `export { SimIO } from '../../sim/io/sim-io.js';\nimport type { L } from '../node/serial-link.js';\n`);
    writeFileSync(join(top, 'sim', 'io', 'sim-io.ts'), `export class SimIO {}\n`);
    writeFileSync(join(top, 'hal', 'node', 'serial-link.ts'), `import { SerialPort } from 'serialport';\n`);
    writeFileSync(join(top, 'firmware', 'main.ts'), `import five from 'johnny-five';\nimport '../sim/io/sim-io.js';\n`);
    const found = violations(top).sort();
    expect(found).toEqual([
      'firmware/lock/a.ts -> hal/ports/helper.ts imports ../../sim/io/sim-io.js',
      'firmware/lock/a.ts -> hal/ports/helper.ts imports ../node/serial-link.js',
    ]);
  });

  it('the checker catches each kind of import', () => {
    expect(importsOf(`import five from 'johnny-five';`)).toEqual(['johnny-five']);
    expect(importsOf(`import type { X } from "../sim/board.js";`)).toEqual(['../sim/board.js']);
    expect(importsOf(`const m = await import('serialport');`)).toEqual(['serialport']);
    expect(importsOf(`export { a } from '../hal/johnny-five/ports.js';`)).toEqual(['../hal/johnny-five/ports.js']);
  });
});
