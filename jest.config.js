/** Jest: TypeScript through ts-jest (transpile only; `npm test` type-checks first with tsc). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
    // feelin (FEEL, engine/runtime/feel.ts) and its parser, and dmn-moddle (engine/runtime/dmn.ts) with moddle,
    // ship as ES modules only: compiled to CommonJS for jest
    // (Node itself loads them with require(esm))
    '^.+/node_modules/(feelin|lezer-feel|@lezer/common|@lezer/lr|@lezer/highlight|min-dash|temporal-polyfill|temporal-spec|temporal-utils|dmn-moddle|bpmn-moddle|moddle|moddle-xml|saxen)/.+\\.m?js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', skipLibCheck: true }, diagnostics: false },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(feelin|lezer-feel|@lezer/common|@lezer/lr|@lezer/highlight|min-dash|temporal-polyfill|temporal-spec|temporal-utils|dmn-moddle|bpmn-moddle|moddle|moddle-xml|saxen)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/engine/**/__tests__/**/*.test.ts', '<rootDir>/api/**/__tests__/**/*.test.ts', '<rootDir>/processes/**/__tests__/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/.data/', '<rootDir>/.test-data/', '<rootDir>/scratch/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup/drop-databases.ts'],
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
