// Test runner settings: the suite starts real servers and child processes, so give it room.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The CLI tests measure bytes served around kill -9 and timing of throttled transfers: on a 2-core
    // machine, files running side by side would starve each other's event loops and fsyncs.
    fileParallelism: false,
    hookTimeout: 30_000,
  },
})
