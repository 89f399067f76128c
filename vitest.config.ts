import { defineConfig } from 'vitest/config';

// Unit and integration tests: core/, main/, tools/. E2E has its own config.
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'main/**/*.test.ts', 'tools/**/*.test.ts', 'renderer/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
