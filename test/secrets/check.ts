/** Looking for what must not be there: any form of a secret, or its first characters, in any text dayops keeps. */
import { brotliDecompressSync } from 'node:zlib';
import stripAnsi from 'strip-ansi';
import type { DB } from '../../src/db/open.js';
import { stripEscapes } from '../../src/terminal/escapes.js';

/** The prefix length that must not survive. */
export const PREFIX = 6;

/** Forms of secrets by their first PREFIX characters: which secret, in which form. */
export type Forms = Map<string, { secret: string; form: string }>;

/** Add a form (what a tool printed for `secret`) to look for. */
export function addForm(forms: Forms, secret: string, form: string, text: string): void {
  if (text.length >= PREFIX) forms.set(text.slice(0, PREFIX), { secret, form: `${form}: ${text}` });
}

/** Where the first 6 characters of any form of any secret are in `text` (also as a terminal shows it). */
export function leaks(where: string, text: string, forms: Forms): string[] {
  const found: string[] = [];
  const views = new Set([text, stripAnsi(text), stripEscapes(text)]);
  for (const view of views) {
    for (let i = 0; i + PREFIX <= view.length; i++) {
      const hit = forms.get(view.slice(i, i + PREFIX));
      if (hit) {
        found.push(
          `${where}: ${JSON.stringify(hit.secret)} as ${hit.form} in ...${JSON.stringify(view.slice(Math.max(0, i - 60), i + 60))}...`,
        );
        if (found.length >= 5) return found;
      }
    }
  }
  return found;
}

/** Every value of every table: log chunks decompressed, JSON columns with their strings decoded. */
export function databaseText(db: DB): string[] {
  const out: string[] = [];
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  for (const { name } of tables) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
      for (const [col, v] of Object.entries(row)) {
        if (Buffer.isBuffer(v)) {
          let text = v.toString('latin1');
          if (name === 'run_logs' && col !== 'meta') text = brotliDecompressSync(v).toString('utf8');
          out.push(`${name}.${col}: ${text}`);
          continue;
        }
        if (typeof v !== 'string') continue;
        out.push(`${name}.${col}: ${v}`);
        try {
          const strings: string[] = [];
          const walk = (x: unknown): void => {
            if (typeof x === 'string') strings.push(x);
            else if (x && typeof x === 'object') {
              for (const [k, y] of Object.entries(x)) {
                strings.push(k);
                walk(y);
              }
            }
          };
          walk(JSON.parse(v));
          out.push(`${name}.${col} decoded: ${strings.join('\n')}`);
        } catch {
          /* not JSON */
        }
      }
    }
  }
  return out;
}
