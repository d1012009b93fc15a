// The suites that run on the production-shaped Temporal (stack/temporal-cluster.ts: the real server on the run's
// PostgreSQL) after the dev-server run of jest.config.js: the cluster-only files in test/cluster/ and the existing
// files rerun unchanged on the cluster. The same globalSetup starts the cluster instead of the dev server when
// COURSEGEN_TEST_ENGINE=cluster; jest workers inherit it, and test/support/private-servers.ts startPrivateTemporal then
// gives a test that stops Temporal a private server of the same kind.
process.env.COURSEGEN_TEST_ENGINE = 'cluster';
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/cluster/**/*.test.ts',
    '<rootDir>/test/integration/end-to-end.test.ts',
    '<rootDir>/test/integration/operator-commands.test.ts',
    '<rootDir>/test/chaos/worker-kill.test.ts',
    '<rootDir>/test/chaos/temporal-restart.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
};
