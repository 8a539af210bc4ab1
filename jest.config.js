// Two projects: `unit` needs only Node (npm test); `integration` starts real PostgreSQL and MariaDB
// servers on loopback (npm run test:integration). Type-checking is `tsc --noEmit`, once per run
// (npm test), so the transform only strips types: esbuild (test/setup/esbuild-transformer.cjs).
const transform = { '^.+\\.tsx?$': '<rootDir>/test/setup/esbuild-transformer.cjs' };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/test'],
  setupFiles: ['<rootDir>/test/setup/env.ts'],
};

module.exports = {
  // Every core: the main process only schedules (jest's default leaves one core to it).
  maxWorkers: '100%',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
      globalSetup: '<rootDir>/test/setup/unit-global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/unit-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/setup/global-teardown.ts',
    },
  ],
};
