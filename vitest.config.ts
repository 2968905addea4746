import { defineConfig } from 'vitest/config';

// Integration tests start real loopback servers and child processes; two cores, so keep
// parallelism modest and timeouts generous (timeouts guard hangs, they never measure speed).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
