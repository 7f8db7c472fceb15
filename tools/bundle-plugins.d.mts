// Types of tools/bundle-plugins.mjs (the production bundle's esbuild settings) for the tests.
import type { Plugin } from 'esbuild';

export declare const external: string[];
export declare const noRepl: Plugin;
export declare const lazyJohnnyFive: Plugin;
export declare const standIns: Plugin;
export declare const plugins: Plugin[];
