// Shared jest settings: swc compiles TypeScript (and ESM-only dependencies such
// as jose) to CommonJS; workspace packages resolve to their sources, so tests
// need no build first.
const path = require('node:path');

module.exports = function preset(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)s$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
        },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/(jose|cookie)@|(jose|cookie)/)'],
    moduleNameMapper: {
      '^@gatehouse/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    testTimeout: 30000,
    ...overrides,
  };
};
