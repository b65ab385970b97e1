// Lint: typescript-eslint's recommended rules, React's hooks rules (dependency arrays, rules of hooks) and no
// unused code. Formatting is prettier's (`npm run format`), checked by `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      // A terminal app matches escape sequences (ESC, CSI, OSC) on purpose.
      'no-control-regex': 'off',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Text from outside never drives the terminal: the app's strings are drawn by the sanitising Text.
    files: ['components/**/*.tsx', 'src/**/*.tsx'],
    ignores: ['components/layout/Text.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'ink',
              importNames: ['Text'],
              message: 'Use components/layout/Text.tsx: it sanitises what it draws (src/terminal/sanitize.ts).',
            },
          ],
        },
      ],
    },
  },
);
