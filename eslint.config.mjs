// @ts-check
// ESLint over the whole repository (src, test, bench, scripts and the root config files); Prettier
// owns formatting, so eslint-config-prettier comes last and turns off the rules it would fight.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Generated code: the Prisma client and the OpenAPI client types (npm run openapi:client).
    ignores: ['dist/', '**/dist/', 'coverage/', 'var/', 'src/generated/', 'test/client/openapi-schema.d.ts'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Type-checked rules that would flood the tree today are off; the promise rules
      // (no-floating-promises, no-misused-promises, await-thenable...) and the rest stay on.
      // Untyped JSON (request bodies, pg rows, JSON.parse) is read through `any` in many places.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Async methods without await implement async interfaces (fakes in specs, hooks).
      '@typescript-eslint/require-await': 'off',
      // Style-level; worth turning on once the files they touch are quiet.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // A leading underscore marks a value left out on purpose (`{ _hash, ...rest }`, unused params).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Rejecting with a caught value passes it on, like a rethrow.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          // bench/ loads the compiled app from dist/ (tsx emits no decorator metadata); the schema
          // engine's wasm runtime is ESM required from CommonJS.
          allow: ['^\\.\\./dist/', '^@prisma/schema-engine-wasm/'],
        },
      ],
    },
  },
  {
    // Tests and benchmarks read untyped HTTP response bodies.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
