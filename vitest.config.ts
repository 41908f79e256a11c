import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    // Tests import the package by name, as users do, but run the TypeScript sources.
    alias: [
      { find: /^wasmgrad\/tfjs$/, replacement: fileURLToPath(new URL('./src/tfjs/index.ts', import.meta.url)) },
      { find: /^wasmgrad$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
