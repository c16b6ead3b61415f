/** @type {import('jest').Config} */
// Nest 12 is ESM-only and Jest below Node 24.9 cannot require(esm): @swc/jest compiles those
// packages (and PGlite's .cjs, which uses import()) to CommonJS. See ../shared/STACK.md §5.
// jose (OIDC tokens) is ESM-only too. The tests' OpenID provider (oidc-provider, ESM) runs in a
// child process under plain Node, so it is not compiled here.
const swcTs = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};
const onPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
const swcJs = { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } };

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testTimeout: 60000,
  // test/postgres/*.pg-spec.ts need a PostgreSQL server of their own to act on (cutting its
  // connections): they run in the leg with a postgres:// DATABASE_URL, like the CI's second one.
  testRegex: onPostgres
    ? '(src/.*\\.spec|test/.*\\.(e2e-spec|int-spec|pg-spec))\\.ts$'
    : '(src/.*\\.spec|test/.*\\.(e2e-spec|int-spec))\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcTs], '^.+\\.c?js$': ['@swc/jest', swcJs] },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@electric-sql/pglite|file-type|@prisma/schema-engine-wasm|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|jose)/)',
  ],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The client library's source, as the examples and tests import it (built to packages/client/dist for npm).
    '^@decisiongraph/client$': '<rootDir>/packages/client/src/index.ts',
  },
  setupFiles: ['<rootDir>/test/setup/test-env.ts'],
  maxWorkers: 2,
};
