// Test runner configuration: every suite under tests/, run in forked workers (johnny-five keeps process-wide caches).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    env: { IS_TEST_MODE: '1' },
  },
});
