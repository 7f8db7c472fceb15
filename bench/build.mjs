// Builds what `npm run bench` runs: the production bundle (dist/bundle, whose boot it measures) and
// the benchmarks themselves, bundled by esbuild into dist/bench/ as the lock's code ships (no
// development-only wrappers on the measured paths). Packages stay external, loaded from node_modules.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

execFileSync(process.execPath, ['tools/bundle.mjs'], { stdio: 'inherit' });
await build({
  entryPoints: { run: 'bench/run.ts', 'rss-probe': 'bench/rss-probe.ts', 'decision-probe': 'bench/decision-probe.ts' },
  outdir: 'dist/bench',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // ES module sources in CommonJS: an import.meta.url of their folder that is never the entry
  // script, so firmware/main.ts's "run when started directly" stays off.
  define: { 'import.meta.url': '__benchModuleUrl', 'import.meta.dirname': '__dirname' },
  banner: { js: "const __benchModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'bench-module.cjs')).href;" },
  logLevel: 'warning',
});
