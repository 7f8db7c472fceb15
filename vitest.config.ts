// Test runner configuration: every suite under tests/, run in forked workers (johnny-five keeps process-wide caches).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/tool-check.ts'], // one line per missing system tool; a failure under CI=true
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    env: { IS_TEST_MODE: '1' },
    // `npm run coverage`: line coverage of the firmware, measured in process (tests boot it through firmware/boot.ts).
    coverage: { provider: 'v8', include: ['firmware/**/*.ts'], reporter: ['text', 'text-summary'] },
  },
});
