// Starts the bundled lock (dist/bundle/lock.cjs) with a V8 code cache: the first boot compiles the
// bundle and saves the compiled code at exit (or 10 s after start); later boots load it instead of
// parsing ~1 MB of JavaScript, which on a Pi Zero is most of the start-up time. V8 refuses a cache
// made from other source or by another Node.js, and it is then rebuilt. The cache lives in
// $LOCK_CODE_CACHE_DIR, else beside the bundle if writable, else in a private (0700, ours) folder of
// the system temp directory. A cache file is loaded only if this user owns it and nobody else can
// write it: compiled code planted by another local user is never run.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
// The CommonJS Module class, as this file's own module has it: require('node:module') would also
// build Node's ES module loader, which the bundle does not use before ready.
const Module = module.constructor;

const file = path.join(__dirname, 'lock.cjs');
const dir = cacheDir();
const cacheFile = dir && path.join(dir, `lock.cjs.${process.version}.v8cache`);
let cachedData;
try {
  cachedData = cacheFile && ours(fs.lstatSync(cacheFile)) ? fs.readFileSync(cacheFile) : undefined;
} catch {
  cachedData = undefined;
}
// The bundle is ASCII (tools/bundle.mjs checks): read as latin1, the same text without UTF-8 decoding.
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'latin1')), { filename: file, cachedData });
if (cacheFile && (!cachedData || script.cachedDataRejected)) {
  let saved = false;
  const save = () => {
    if (saved) return;
    saved = true;
    try {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temp, cacheFile);
    } catch {
      // No cache: the next boot compiles again. Never a reason to fail.
    }
  };
  process.once('exit', save);
  setTimeout(save, 10_000).unref();
}
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = Module._nodeModulePaths(__dirname);
process.argv[1] = file; // the bundle's "am I the entry point" check
script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, __dirname);

/** Where the cache lives, or null (no cache) when the only place left is not private to this user. */
function cacheDir() {
  if (process.env.LOCK_CODE_CACHE_DIR) return process.env.LOCK_CODE_CACHE_DIR;
  try {
    fs.accessSync(__dirname, fs.constants.W_OK);
    return __dirname;
  } catch {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    const own = path.join(os.tmpdir(), `lock-firmware-cache-${uid}`);
    try {
      fs.mkdirSync(own, { mode: 0o700 });
    } catch {
      // there already (checked next), or not possible
    }
    try {
      const stat = fs.lstatSync(own);
      return stat.isDirectory() && ours(stat) ? own : null;
    } catch {
      return null;
    }
  }
}

/** A regular file or folder (not a link) this user owns and no one else may write to. */
function ours(stat) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
  return (stat.isFile() || stat.isDirectory()) && stat.uid === uid && (stat.mode & 0o022) === 0;
}
