// The production build for small boards (`npm run build:bundle`): firmware/main.ts bundled by
// esbuild into one CommonJS file, dist/bundle/lock.cjs (or the folder given as the one argument),
// started by dist/bundle/start.cjs. What
// main.ts imports dynamically (access core, MQTT and Home Assistant, pairing, the simulated board)
// is bundled but only evaluated when first needed, after "ready" where it can wait. The starter
// compiles the bundle with a V8 code cache (see start.cjs), so a boot does not re-parse it.
// Native and optional packages stay external and load from node_modules.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { external, plugins } from './bundle-plugins.mjs';

const outdir = process.argv[2] ?? 'dist/bundle';
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: ['firmware/main.ts'],
  outfile: join(outdir, 'lock.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  external,
  // The sources are ES modules: give them import.meta.url in CommonJS.
  define: { 'import.meta.url': '__lockModuleUrl' },
  banner: { js: "const __lockModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins,
  metafile: true,
  logLevel: 'warning',
});
// start.cjs reads the bundle as latin1: esbuild escapes every non-ASCII character (its default charset).
if (readFileSync(join(outdir, 'lock.cjs')).some((byte) => byte > 0x7f)) throw new Error(`bundle: ${outdir}/lock.cjs is not ASCII (start.cjs reads it as latin1)`);
copyFileSync('tools/bundle-start.cjs', join(outdir, 'start.cjs'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + (o.entryPoint ? o.bytes : 0), 0);
console.log(`${outdir}/lock.cjs: ${(bytes / 1024).toFixed(0)} KiB; start it with: node --max-semi-space-size=1 --optimize-for-size ${outdir}/start.cjs [--board NAME] [--config FILE] (the flags packaging/deb/lockd gives node; README "Memory")`);
