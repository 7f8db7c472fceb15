// The production build for small boards (`npm run build:bundle`): firmware/main.ts bundled by
// esbuild into one CommonJS file, dist/bundle/lock.cjs (or the folder given as the one argument),
// started by dist/bundle/start.cjs. What
// main.ts imports dynamically (access core, MQTT and Home Assistant, pairing, the simulated board)
// is bundled but only evaluated when first needed, after "ready" where it can wait. The starter
// compiles the bundle with a V8 code cache (see start.cjs), so a boot does not re-parse it.
// Native and optional packages stay external and load from node_modules.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const external = [
  'sodium-native', // native binding (optional dependency): its loader finds the prebuilt .node file
  'serialport', '@serialport/*', // native bindings
  'pi-io', 'beaglebone-io', // IO plugins installed on real boards
  'pino-pretty', // pretty logs (a person at a terminal) run in a worker that loads it by name
  'cbor-extract', // replaced by a stub package (README "Dependencies")
];

/**
 * johnny-five requires Node's REPL at load (for its Board REPL, which the lock turns off): that pulls
 * in the REPL, readline, vm and a JavaScript parser, a good part of the boot on a small board.
 * The bundle gets a stand-in that refuses to start a REPL.
 */
const noRepl = {
  name: 'no-repl',
  setup(b) {
    b.onResolve({ filter: /^(node:)?repl$/ }, () => ({ path: 'repl', namespace: 'no-repl' }));
    b.onLoad({ filter: /.*/, namespace: 'no-repl' }, () => ({
      contents: "module.exports = { start() { throw new Error('the bundled lock has no REPL'); } };",
      loader: 'js',
    }));
  },
};

/**
 * johnny-five's index requires all ~40 of its components at load; the lock uses a handful. In the
 * bundle the index's `Name: require("./name")` entries and its top-level aliases become getters,
 * so a component is evaluated when first used. If the index no longer has the expected shape the
 * file is bundled unchanged (slower to boot, never broken) and the build says so.
 */
const lazyJohnnyFive = {
  name: 'lazy-johnny-five',
  setup(b) {
    b.onLoad({ filter: /johnny-five[\\/]lib[\\/]johnny-five\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      let entries = 0;
      const lazy = source
        .replace(/^ {2}(\w+): require\("([^"]+)"\),$/gm, (_, name, module) => {
          entries++;
          return `  get ${name}() { return require(${JSON.stringify(module)}); },`;
        })
        .replace(/^module\.exports\.(\w+) = module\.exports\.([\w.]+);$/gm, (_, alias, target) =>
          `Object.defineProperty(module.exports, ${JSON.stringify(alias)}, { enumerable: true, configurable: true, get() { return module.exports.${target}; } });`);
      if (entries < 30) {
        console.warn(`bundle: johnny-five's index changed shape (${entries} entries): bundled as is`);
        return { contents: source, loader: 'js' };
      }
      return { contents: lazy, loader: 'js', resolveDir: dirname(path) };
    });
  },
};

/**
 * Modules that would be evaluated before "ready" only to build something used later or never:
 * each becomes a small stand-in in the bundle (a source rewrite that no longer matches fails the build).
 * - node:assert, for pino's sonic-boom and thread-stream (one `assert(cond, message)` each, on
 *   rare paths): loaded at the first call. Loading it at boot also builds process.stderr's stream
 *   (its colour check), with net and tty for a pipe or the journal's socket.
 * - chalk, for johnny-five's console lines: the lock turns johnny-five's logging off (debug: false)
 *   and logs through pino, so the text is left plain. Chalk's colour check builds process.stdout at
 *   load; under lockd (stdout is the journal) it would choose no colour anyway.
 * - color-convert, for johnny-five's RGB LED (colour names to RGB): loaded at the first colour name.
 */
const standIns = {
  name: 'stand-ins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, ({ importer }) =>
      /node_modules[\\/](sonic-boom|thread-stream)[\\/]/.test(importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: "module.exports = function assert(...args) { return require('node:assert')(...args); };",
      loader: 'js',
    }));
    b.onResolve({ filter: /^chalk$/ }, ({ importer }) =>
      /node_modules[\\/]johnny-five[\\/]/.test(importer) ? { path: 'chalk', namespace: 'plain-chalk' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'plain-chalk' }, () => ({
      // chalk.grey(x), chalk[colour](x), chalk.red.bold(x): the arguments as plain text.
      contents: "const plain = new Proxy((...args) => args.join(' '), { get: (target, key) => (typeof key === 'string' && !(key in target) ? plain : target[key]) }); module.exports = plain;",
      loader: 'js',
    }));
    b.onLoad({ filter: /johnny-five[\\/]lib[\\/]led[\\/]rgb\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = 'const converter = require("color-convert");';
      if (!source.includes(eager)) throw new Error(`bundle: ${path} no longer has \`${eager}\` (update the stand-ins in tools/bundle.mjs)`);
      const lazy = 'let colorConvert; const converter = { get keyword() { return (colorConvert ??= require("color-convert")).keyword; } };';
      return { contents: source.replace(eager, lazy), loader: 'js', resolveDir: dirname(path) };
    });
  },
};

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
  plugins: [noRepl, lazyJohnnyFive, standIns],
  metafile: true,
  logLevel: 'warning',
});
copyFileSync('tools/bundle-start.cjs', join(outdir, 'start.cjs'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + (o.entryPoint ? o.bytes : 0), 0);
console.log(`${outdir}/lock.cjs: ${(bytes / 1024).toFixed(0)} KiB; start it with: node --max-semi-space-size=1 --optimize-for-size ${outdir}/start.cjs [--board NAME] [--config FILE] (the flags packaging/deb/lockd gives node; README "Memory")`);
