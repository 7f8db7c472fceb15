// The one dependency rule: nothing under firmware/ (but main.ts) imports drivers, the simulator,
// johnny-five or serialport. Reads every import, static and dynamic, from the source text.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const FORBIDDEN_PACKAGES = [/^johnny-five$/, /^serialport$/, /^@serialport\//];
const FORBIDDEN_DIRS = ['hal/johnny-five', 'sim'].map((d) => resolve(d));

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

function violations(root: string, forbiddenDirs = FORBIDDEN_DIRS): string[] {
  const out: string[] = [];
  for (const file of files(root)) {
    if (relative(root, file) === 'main.ts') continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const bad = spec.startsWith('.')
        ? forbiddenDirs.some((dir) => {
            const target = resolve(file, '..', spec);
            return target === dir || target.startsWith(dir + '/');
          })
        : FORBIDDEN_PACKAGES.some((p) => p.test(spec));
      if (bad) out.push(`${relative('.', file)} imports ${spec}`);
    }
  }
  return out;
}

describe('import rule', () => {
  it('firmware/ imports no driver, simulator, johnny-five or serialport (main.ts excepted)', () => {
    expect(violations(resolve('firmware'))).toEqual([]);
  });

  it('fails on a tree that breaks the rule, and lets main.ts through', () => {
    const top = mkdtempSync(join(tmpdir(), 'import-rule-'));
    mkdirSync(join(top, 'firmware', 'lock'), { recursive: true });
    writeFileSync(
      join(top, 'firmware', 'lock', 'a.ts'),
      `import { SimIO } from '../../sim/io/sim-io.js';\nimport x from 'johnny-five';\n`,
    );
    writeFileSync(join(top, 'firmware', 'main.ts'), `import five from 'johnny-five';\n`);
    const found = violations(join(top, 'firmware'), [join(top, 'sim'), join(top, 'hal/johnny-five')]);
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toContain('imports ../../sim/io/sim-io.js');
    expect(found.join('\n')).toContain('imports johnny-five');
  });

  it('the checker catches each kind of forbidden import', () => {
    expect(importsOf(`import five from 'johnny-five';`)).toEqual(['johnny-five']);
    expect(importsOf(`import type { X } from "../sim/board.js";`)).toEqual(['../sim/board.js']);
    expect(importsOf(`const m = await import('serialport');`)).toEqual(['serialport']);
    expect(importsOf(`export { a } from '../hal/johnny-five/ports.js';`)).toEqual([
      '../hal/johnny-five/ports.js',
    ]);
  });
});
