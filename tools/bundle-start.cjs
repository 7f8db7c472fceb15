// Starts the bundled lock (dist/bundle/lock.cjs) with a V8 code cache: the first boot compiles the
// bundle and saves the compiled code at exit (or 10 s after start); later boots load it instead of
// parsing ~1 MB of JavaScript, which on a Pi Zero is most of the start-up time. V8 refuses a cache
// made from other source or by another Node.js, and it is then rebuilt. The cache lives in
// $LOCK_CODE_CACHE_DIR, else beside the bundle if writable, else in the system temp directory.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'lock.cjs');
const cacheFile = path.join(cacheDir(), `lock.cjs.${process.version}.v8cache`);
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (!cachedData || script.cachedDataRejected) {
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

function cacheDir() {
  if (process.env.LOCK_CODE_CACHE_DIR) return process.env.LOCK_CODE_CACHE_DIR;
  try {
    fs.accessSync(__dirname, fs.constants.W_OK);
    return __dirname;
  } catch {
    return os.tmpdir();
  }
}
