import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysMarkdown } from '../src/keymap/markdown.js';
import { COMMANDS } from '../src/commands/index.js';
import { runWordsMarkdown } from '../src/domain/run-words.js';
import { ROOT } from './helpers/cli.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the README', () => {
  it('lists exactly the keys the app binds (regenerate with `npm run docs:keys`)', () => {
    const m = /<!-- keys:start -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
    expect(m, 'README.md needs a <!-- keys:start --> ... <!-- keys:end --> block').toBeTruthy();
    expect(m![1].trim()).toBe(keysMarkdown());
  });

  it('names runs and their states as the app and --json do (regenerate with `npm run docs:runs`)', () => {
    const m = /<!-- runs:start -->\n([\s\S]*?)\n<!-- runs:end -->/.exec(readme);
    expect(m, 'README.md needs a <!-- runs:start --> ... <!-- runs:end --> block').toBeTruthy();
    expect(m![1].trim()).toBe(runWordsMarkdown());
  });

  it('names every headless command', () => {
    for (const c of COMMANDS) expect(readme, c.usage).toContain(`dayops ${c.name}`);
  });

  it('gives the test command that .ci/run calls', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(readme).toContain('npm test');
  });
});
