// Loaded into the bundled lock with `node --require` (tests/interop/bundle-boot.test.ts): at "ready"
// it writes the Node built-ins loaded since start-up to the file $READY_PROBE_FILE. The ready log
// line reads process.cpuUsage() (its cpuMs), once, from the bundle: that first call is the moment.
'use strict';
const fs = require('node:fs');
const before = new Set(process.moduleLoadList);
const cpuUsage = process.cpuUsage;
let seen = false;
process.cpuUsage = function probedCpuUsage(...args) {
  if (!seen && args.length === 0 && /lock\.cjs/.test(new Error().stack ?? '')) {
    seen = true;
    const loaded = process.moduleLoadList.filter((name) => !before.has(name)).map((name) => name.replace(/^NativeModule /, ''));
    fs.writeFileSync(process.env.READY_PROBE_FILE, JSON.stringify(loaded));
  }
  return cpuUsage.apply(this, args);
};
