import { defineConfig } from 'vitest/config';

// The project's own tests (test/**). Forks, not threads: the netlink addon and
// child processes behave as in a plain `node` run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
  },
});
