import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary folder per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
    // End-to-end tests spawn the CLI, a local OpenAlex server and Chromium: give them room on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
