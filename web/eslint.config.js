// ESLint (flat config): @eslint/js's recommended rules over the viewer's
// modules (browser), its unit tests and the browser tests in ../tests/browser
// (Node, with callbacks that run in the page). Patterns are from the
// repository root whatever the working directory: `npm run lint` here lints
// web/ and tests/browser (ESLint lints nothing outside its working directory,
// so it runs from the root); `npx eslint .` here lints web/ alone.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import globals from 'globals';

export default defineConfig({
  basePath: fileURLToPath(new URL('..', import.meta.url)),
  extends: [
    { ignores: ['web/node_modules/', 'web/pkg/', 'web/vendor/', 'web/architectures/'] },
    js.configs.recommended,
    { linterOptions: { reportUnusedDisableDirectives: 'error' } },
    {
      files: ['web/js/**/*.js'],
      languageOptions: { globals: { ...globals.browser } },
    },
    {
      files: ['web/test/**/*.mjs', 'web/fixtures/**/*.mjs', 'web/eslint.config.js'],
      languageOptions: { globals: { ...globals.node } },
    },
    {
      // page.evaluate / waitForFunction callbacks run in the page
      files: ['tests/browser/**/*.mjs'],
      languageOptions: { globals: { ...globals.node, ...globals.browser } },
    },
  ],
});
