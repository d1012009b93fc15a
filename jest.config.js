// One jest run: unit tests (pure functions), workflow tests (real dev server, mocked activities) and integration
// tests (real activities, LLM simulator, PostgreSQL, dev server). The stack starts once per run (globalSetup) on
// free ports; every test uses its own task queue.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Cluster-only suites run in the second jest run of `npm test` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Integration tests start workers and wait on workflows; their own waits are bounded by workflow timeouts.
  testTimeout: 180_000,
  // Two CPU cores: two jest workers keep the dev server and PostgreSQL responsive.
  maxWorkers: 2,
};
