/**
 * Terraform's and OpenTofu's human diagnostics, read only where the tool has no JSON to give: `init` of a tool
 * without `init -json`, and what a command prints on stderr before its JSON stream starts (a bad flag, a crash).
 * Both layouts are read: the plain one of `-no-color` and the boxed one (a `│` margin, `╷` and `╵` around each
 * diagnostic), colour codes removed:
 *
 *   Error: Unclosed configuration block
 *
 *     on main.tf line 1, in resource "terraform_data" "a":
 *      1: resource "terraform_data" "a" {
 *
 *   There is no closing brace for this block before the end of the file. This may
 *   be caused by incorrect brace nesting elsewhere in this file.
 *
 * The summary runs to the first blank line, `with ADDRESS,` and `on FILE line N` say where, the source snippet
 * is skipped, and the detail runs to the next diagnostic, the end of the box, or the end of the output. Without
 * the box, text the tool prints after a diagnostic would join its detail; that is why only failed commands are
 * read this way (their diagnostics come last).
 */
import stripAnsi from 'strip-ansi';
import type { Diagnostic } from '../../domain/plan.js';

type Stage = 'summary' | 'where' | 'snippet' | 'detail';

interface Open {
  d: Diagnostic;
  summary: string[];
  detail: string[];
  stage: Stage;
}

export class HumanDiagnostics {
  private readonly found: Diagnostic[] = [];
  private open: Open | undefined;

  /** Feed one line of output (stdout or stderr, in order). */
  push(raw: string): void {
    const line = stripAnsi(raw).replace(/\s+$/, '');
    if (/^╵/.test(line)) {
      this.close();
      return;
    }
    const s = line.replace(/^[│╷] ?/, '');
    const head = /^(Error|Warning): (.*)$/.exec(s);
    if (head) {
      this.close();
      this.open = {
        d: { severity: head[1] === 'Error' ? 'error' : 'warning', summary: '' },
        summary: [head[2].trim()],
        detail: [],
        stage: 'summary',
      };
      return;
    }
    const o = this.open;
    if (!o) return;
    switch (o.stage) {
      case 'summary':
        if (s.trim()) o.summary.push(s.trim());
        else o.stage = 'where';
        return;
      case 'where': {
        const withAddr = /^\s+with (.+),$/.exec(s);
        const on = /^\s+on (.+) line (\d+)(?:, in .*)?:$/.exec(s);
        if (withAddr) o.d.address = withAddr[1];
        else if (on) {
          o.d.file = on[1];
          o.d.line = Number(on[2]);
          o.d.location = `${on[1]}:${on[2]}`;
          o.stage = 'snippet';
        } else if (s.trim()) {
          o.stage = 'detail';
          o.detail.push(s);
        }
        return;
      }
      case 'snippet':
        if (!s.trim()) o.stage = 'detail';
        return;
      case 'detail':
        o.detail.push(s);
        return;
    }
  }

  private close(): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    o.d.summary = o.summary.join('\n');
    const detail = o.detail.join('\n').trim();
    if (detail) o.d.detail = detail;
    this.found.push(o.d);
  }

  /**
   * Every diagnostic read, in order, except that a wrapper saying the real problems are "described below" (init's
   * "Terraform encountered problems during initialisation...") comes after them, as the JSON stream has it.
   */
  diagnostics(): Diagnostic[] {
    this.close();
    const wrapper = (d: Diagnostic) => /described below\.?$/.test(d.summary.replace(/\s+/g, ' '));
    return [...this.found.filter((d) => !wrapper(d)), ...this.found.filter(wrapper)];
  }
}
