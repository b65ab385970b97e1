import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real processes (Alertmanager, restic, ansible, tmux); two cores are shared.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
