/**
 * The README's key list, generated from the keymap so the two never disagree:
 * `node dist/src/keymap/markdown.js` prints it (with `runs`, the table of run names and states); test/readme.test.ts checks the README holds exactly this.
 */
import { pathToFileURL } from 'node:url';
import { runWordsMarkdown } from '../domain/run-words.js';
import { CONTEXTS } from './index.js';
import { keyLabel } from './types.js';

export function keysMarkdown(): string {
  const out: string[] = [];
  for (const ctx of CONTEXTS) {
    if (ctx.bindings.length === 0) continue;
    out.push(`**${ctx.title}**`, '', '| Keys | What it does |', '| --- | --- |');
    for (const b of ctx.bindings) {
      const keys = b.keys.map((k) => `\`${keyLabel(k).replace(/\|/g, '\\|')}\``).join(' ');
      out.push(`| ${keys} | ${b.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `runs`: the README's table of run names and states instead (npm run docs:runs)
  process.stdout.write(`${process.argv[2] === 'runs' ? runWordsMarkdown() : keysMarkdown()}\n`);
}
