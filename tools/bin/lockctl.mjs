#!/usr/bin/env node
// `npx lockctl` (package.json "bin"): runs tools/lockctl.ts through tsx from wherever it is called.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lockctl.ts');
process.exit(await main(process.argv.slice(2)));
