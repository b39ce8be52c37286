// Vitest: colocated unit tests (src/**/*.test.ts) and slower integration tests (test/**).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'src/**/*.test.tsx'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], testTimeout: 1_800_000 },
      },
    ],
  },
});
