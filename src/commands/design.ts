/**
 * `dayops design --from blueprint.yaml --out DIR [--json] [--force] [--move]`: the Day-0 wizard without the
 * screens. It validates and audits the blueprint, and when there is no error writes the generated files and
 * registers the stack. Exit 0 when written; 1 on an error finding (nothing written), a malformed or unreadable
 * file, a folder that cannot be written (nothing half-written), or files edited since dayops wrote them (nothing
 * written; --force overwrites them); 2 on a usage error, or when the stack is registered at another folder (it is
 * never moved silently: --move moves it, with its history). Relative paths are the user's: under `npm start`,
 * where npm was run.
 */
import { resolve } from 'node:path';
import { createDay0, readBlueprintFile, workDir, type DesignResult } from '../app/day0/index.js';
import { audit, type Finding, hasErrors } from '../day0/audit.js';
import { generate } from '../day0/generate/index.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { type Command, line, parseFlags, writeJson } from './context.js';
import { maxOf } from '../arrays.js';
import { permitted } from '../app/permissions.js';

const USAGE = 'dayops design --from FILE --out DIR [--json] [--force] [--move]';

export function formatFindings(findings: readonly Finding[]): string[] {
  const sev = maxOf(findings.map((f) => f.severity.length));
  const code = maxOf(findings.map((f) => f.code.length));
  const path = maxOf(findings.map((f) => f.path.length));
  return findings.map((f) => `${f.severity.padEnd(sev)}  ${f.code.padEnd(code)}  ${f.path.padEnd(path)}  ${f.message}`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const designCommand: Command = {
  name: 'design',
  usage: USAGE,
  summary: 'audit a blueprint and write its files (Day 0, headless)',
  async run(args, ctx) {
    const { values } = parseFlags(
      'design',
      args,
      {
        from: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        force: { type: 'boolean' },
        move: { type: 'boolean' },
      },
      false,
    );
    if (!values.from || !values.out) {
      const missing = [!values.from ? '--from FILE' : '', !values.out ? '--out DIR' : ''].filter(Boolean).join(' and ');
      throw new UserError(`dayops design: missing ${missing}; usage: ${USAGE}`, 2);
    }
    if (ctx.readonly)
      throw new UserError('dayops design: writes files and registers the stack, which --readonly forbids', 2);
    const cwd = workDir(ctx.env, ctx.cwd);
    const bp = readBlueprintFile(resolve(cwd, values.from), values.from);
    const outDir = resolve(cwd, values.out);

    // A design with errors writes nothing and needs no database.
    const findings = audit(bp);
    const result: DesignResult = hasErrors(findings)
      ? { findings, files: generate(bp, findings), written: [], unchanged: [], refused: [], dir: outDir }
      : await createDay0({ db: permitted(ctx.db(), 'design'), user: currentUser(ctx.db()) }).write(bp, outDir, {
          force: values.force,
          move: values.move,
        });
    if (result.registeredAt) {
      throw new UserError(
        `dayops design: stack ${bp.metadata.name} is registered at ${result.registeredAt}, not ${result.dir}; nothing was written (--move moves the stack and its history to ${result.dir}; or rename it in the blueprint's metadata.name)`,
        2,
      );
    }
    const blocked = hasErrors(result.findings);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    const warnings = result.findings.length - errors;

    if (values.json) {
      writeJson(ctx, {
        findings: result.findings.map((f) => ({
          severity: f.severity,
          code: f.code,
          path: f.path,
          message: f.message,
        })),
        files: result.files.map((f) => f.path),
        written: result.written,
        unchanged: result.unchanged,
        refused: result.refused,
        dir: result.dir,
        stack: result.stack
          ? {
              name: result.stack.name,
              environment: result.stack.environment,
              tool: result.stack.tool,
              dir: result.stack.dir,
            }
          : null,
        movedFrom: result.movedFrom ?? null,
      });
    } else {
      for (const l of result.findings.length > 0 ? formatFindings(result.findings) : []) line(ctx, l);
      if (!blocked && result.refused.length === 0) {
        if (result.findings.length > 0) line(ctx);
        line(
          ctx,
          `Wrote ${plural(result.written.length, 'file')} to ${result.dir}${result.unchanged.length > 0 ? ` (${result.unchanged.length} unchanged)` : ''}:`,
        );
        for (const f of result.written) line(ctx, `  ${f}`);
        if (result.stack && result.movedFrom)
          line(
            ctx,
            `Moved stack ${result.stack.name} (${result.stack.environment}, ${result.stack.tool}) and its history from ${result.movedFrom}; the files there are left as they are.`,
          );
        else if (result.stack)
          line(ctx, `Registered stack ${result.stack.name} (${result.stack.environment}, ${result.stack.tool}).`);
      }
    }

    if (blocked) {
      ctx.stderr.write(
        `dayops design: ${values.from}: ${plural(errors, 'error')}${warnings > 0 ? ` and ${plural(warnings, 'warning')}` : ''} in the design; nothing was written\n`,
      );
      return 1;
    }
    if (result.refused.length > 0) {
      ctx.stderr.write(
        `dayops design: not overwriting ${plural(result.refused.length, 'file')} edited since dayops wrote ${result.refused.length === 1 ? 'it' : 'them'} in ${result.dir}: ${result.refused.join(', ')}; nothing was written (run again with --force to overwrite)\n`,
      );
      return 1;
    }
    return 0;
  },
};
