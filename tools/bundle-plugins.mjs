// The production bundle's esbuild settings that change what is evaluated (tools/bundle.mjs uses
// them; tests/unit/bundle-plugins.test.ts bundles johnny-five and pino's parts through them): the
// packages left external, and the plugins that keep what the lock does not need before "ready" from
// being evaluated at load.
import { readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { dirname, join } from 'node:path';

export const external = [
  'sodium-native', // native binding (optional dependency): its loader finds the prebuilt .node file
  'serialport', '@serialport/*', // native bindings
  'pi-io', 'beaglebone-io', // IO plugins installed on real boards
  'pino-pretty', // pretty logs (a person at a terminal) run in a worker that loads it by name
];

/**
 * johnny-five requires Node's REPL at load (for its Board REPL, which the lock turns off): that pulls
 * in the REPL, readline, vm and a JavaScript parser, a good part of the boot on a small board.
 * The bundle gets a stand-in that refuses to start a REPL.
 */
export const noRepl = {
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
export const lazyJohnnyFive = {
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
      // Its one nested alias would load every LED kind at once: led/index.js (below) defines it.
      return { contents: lazy.replace(`${LED_RGBS_ALIAS}\n`, ''), loader: 'js', resolveDir: dirname(path) };
    });
    // The LED module's index requires every kind (RGB with its colour tables, matrix, digits): the
    // lock drives none of them, so each becomes a getter too; anything else is bundled as is.
    b.onLoad({ filter: /johnny-five[\\/]lib[\\/]led[\\/]index\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (source.trim() !== LED_INDEX) {
        console.warn(`bundle: johnny-five's lib/led/index.js changed: bundled as is`);
        return { contents: `${source}\nLed.RGBs = Led.RGB.Collection;\n`, loader: 'js' };
      }
      return { contents: LAZY_LED_INDEX, loader: 'js', resolveDir: dirname(path) };
    });
  },
};

const LED_RGBS_ALIAS = 'module.exports.Led.RGBs = module.exports.Led.RGB.Collection;';
const LED_INDEX = `const Led = require("./led");
Led.Collection = require("./leds");
Led.RGB = require("./rgb");
Led.RGB.Collection = require("./rgbs");
Led.Matrix = require("./matrix");
Led.Digits = require("./digits");

module.exports = Led;`;
const LAZY_LED_INDEX = `const Led = require("./led");
const own = (name, value) => Object.defineProperty(Led, name, { value, writable: true, enumerable: true, configurable: true });
const lazy = (name, load) => Object.defineProperty(Led, name, { enumerable: true, configurable: true, get: load, set: (value) => own(name, value) });
let RGB;
lazy("Collection", () => require("./leds"));
lazy("RGB", () => RGB ??= Object.assign(require("./rgb"), { Collection: require("./rgbs") }));
lazy("RGBs", () => Led.RGB.Collection);
lazy("Matrix", () => require("./matrix"));
lazy("Digits", () => require("./digits"));
module.exports = Led;`;

/**
 * Modules that would be evaluated before "ready" only to build something used later or never:
 * each becomes a small stand-in in the bundle (a source that no longer matches is bundled as is, and the build says so).
 * - node:assert, for pino's sonic-boom and thread-stream (one `assert(cond, message)` each, on
 *   rare paths): loaded at the first call. Loading it at boot also builds process.stderr's stream
 *   (its colour check), with net and tty for a pipe or the journal's socket.
 * - chalk, for johnny-five's console lines: the lock turns johnny-five's logging off (debug: false)
 *   and logs through pino, so the text is left plain. Chalk's colour check builds process.stdout at
 *   load; under lockd (stdout is the journal) it would choose no colour anyway.
 * - color-convert, for johnny-five's RGB LED (colour names to RGB): loaded at the first colour name.
 * - node:module, for `createRequire` (cbor-x, the Ed25519 providers, the gpiod binding): loaded at
 *   the first call (loading it builds Node's ES module loader).
 * - pino's transport (worker threads, for pretty logs at a terminal): loaded when a logger asks for
 *   one (lockd logs JSON lines to fd 1 without it), its worker files found in node_modules.
 * - cbor-extract, cbor-x's optional native accelerator: the package is our stub that exports null
 *   (README "Dependencies"), so the bundle holds that null instead of loading it from node_modules.
 */
export const standIns = {
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
    b.onResolve({ filter: /^(node:)?module$/ }, ({ importer, namespace }) =>
      namespace === 'lazy-module' || /node_modules[\\/]pino[\\/]/.test(importer) ? undefined : { path: 'module', namespace: 'lazy-module' });
    b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, () => ({
      // Every export node:module has (here, at build time) as a getter: esbuild's ES module imports
      // copy the getters and read them at call time, `(0, import_module.createRequire)(url)`.
      contents: `let real; const load = () => (real ??= require('node:module'));
module.exports = Object.defineProperties({}, {${Object.keys(nodeModule)
        .map((name) => `\n  ${JSON.stringify(name)}: { enumerable: true, get: () => load()[${JSON.stringify(name)}] },`)
        .join('')}\n});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.(\/lib)?\/transport$/ }, ({ importer, resolveDir }) =>
      /node_modules[\\/]pino[\\/](lib[\\/]tools|pino)\.js$/.test(importer) ? { path: join(resolveDir, `${importer.endsWith('pino.js') ? 'lib/' : ''}transport.js`), namespace: 'lazy-transport' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'lazy-transport' }, ({ path }) => ({
      // Bundled, thread-stream and pino would start their worker files from beside the bundle: they
      // are named in node_modules through pino's hook for bundlers (__bundlerPathsOverrides).
      contents: `module.exports = function transport(...args) {
  const { resolve } = require; // at run time, from the bundle's folder
  const paths = [require('node:path').dirname(resolve('pino/package.json'))];
  const overrides = (globalThis.__bundlerPathsOverrides ??= {});
  overrides['thread-stream-worker'] ??= resolve('thread-stream/lib/worker.js', { paths });
  overrides['pino-worker'] ??= resolve('pino/lib/worker.js');
  overrides['pino/file'] ??= resolve('pino/file.js');
  return require(${JSON.stringify(path)})(...args);
};`,
      loader: 'js',
      resolveDir: dirname(path),
    }));
    b.onResolve({ filter: /^cbor-extract$/ }, () => ({ path: 'cbor-extract', namespace: 'cbor-extract-none' }));
    b.onLoad({ filter: /.*/, namespace: 'cbor-extract-none' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
    b.onLoad({ filter: /johnny-five[\\/]lib[\\/]led[\\/]rgb\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = 'const converter = require("color-convert");';
      if (!source.includes(eager)) {
        console.warn(`bundle: johnny-five's lib/led/rgb.js changed: bundled as is`);
        return { contents: source, loader: 'js' };
      }
      const lazy = 'let colorConvert; const converter = { get keyword() { return (colorConvert ??= require("color-convert")).keyword; } };';
      return { contents: source.replace(eager, lazy), loader: 'js', resolveDir: dirname(path) };
    });
  },
};

export const plugins = [noRepl, lazyJohnnyFive, standIns];
