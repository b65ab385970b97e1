/**
 * `dayops backup run|list|verify|prune STACK`, `dayops backup status [STACK]` and `dayops backup self`: the
 * Day-2 backups without the app. Failures are one line and exit 1; `--json` prints a document for scripts.
 */
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import {
  allBackupStatuses,
  backupDayops,
  backupStackNow,
  pruneStackBackups,
  restoreTestNow,
  snapshotsOf,
  stackBackupStatus,
} from '../app/day2/operations.js';
import { findStack, restoreRtoText, type BackupProgress, type BackupStatus, type Snapshot } from '../day2/backups.js';
import { UserError } from '../errors.js';
import { formatTable } from '../text-table.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';
import { rawStream, sanitize } from '../terminal/sanitize.js';
import { requirePermission } from '../app/permissions.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/** 1.4 MiB */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function stackArg(command: string, positionals: string[]): string {
  if (positionals.length !== 1)
    throw new UserError(`dayops ${command}: give one stack name (dayops ${command} STACK)`, 2);
  return positionals[0];
}

function refuseReadonly(ctx: CommandContext, command: string): void {
  if (ctx.readonly)
    throw new UserError(`dayops ${command}: not allowed with --readonly (it records the result in the database)`, 2);
}

function progressText(label: string, p: BackupProgress): string {
  const pct = `${Math.floor(p.percentDone * 100)}%`;
  const bytes = p.totalBytes ? `${formatBytes(p.bytesDone)} / ${formatBytes(p.totalBytes)}` : formatBytes(p.bytesDone);
  const files = p.totalFiles ? `${p.filesDone}/${p.totalFiles} files` : `${p.filesDone} files`;
  const eta = p.secondsRemaining ? `, ${p.secondsRemaining}s left` : '';
  return `${label}: ${pct} ${bytes}, ${files}${eta}`;
}

/**
 * Live progress on stderr: on a terminal one line rewritten in place (at most 10 times a second); otherwise a
 * line at every 10% step or every 5 seconds, whichever comes first.
 */
export function progressReporter(stderr: Writable, label: string, isTTY: boolean, now: () => number = Date.now) {
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastStep = -1;
  let drawn = false;
  return {
    onProgress(p: BackupProgress) {
      const t = now();
      if (isTTY) {
        if (t - lastAt < 100 && p.percentDone < 1) return;
        lastAt = t;
        // dayops' own control codes go raw; the text (a label from outside) through the sanitiser.
        rawStream(stderr).write(`\r\x1b[K${sanitize(progressText(label, p), { colour: false })}`);
        drawn = true;
        return;
      }
      const step = Math.floor(p.percentDone * 10);
      if (step > lastStep || t - lastAt >= 5000) {
        lastStep = Math.max(step, lastStep);
        lastAt = t;
        stderr.write(`${progressText(label, p)}\n`);
      }
    },
    done() {
      if (isTTY && drawn) rawStream(stderr).write('\r\x1b[K');
    },
  };
}

function stderrIsTTY(ctx: CommandContext): boolean {
  return Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
}

function snapshotJson(s: Snapshot) {
  return {
    id: s.id,
    shortId: s.shortId,
    time: iso(s.time),
    hostname: s.hostname,
    username: s.username,
    paths: s.paths,
    tags: s.tags,
    parent: s.parent,
    programVersion: s.programVersion,
    summary: s.summary,
  };
}

export const backupRun: Command = {
  name: 'backup run',
  usage: 'dayops backup run STACK [--json]',
  summary: "back up a stack's state and config with restic (creates the repository if needed)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('backup run', args, { json: { type: 'boolean' } });
    const name = stackArg('backup run', positionals);
    refuseReadonly(ctx, 'backup run');
    const db = ctx.db();
    requirePermission(db, 'backup');
    const stack = findStack(db, name);
    const progress = progressReporter(ctx.stderr, `backing up ${name}`, stderrIsTTY(ctx));
    let r;
    try {
      r = await backupStackNow(db, stack, {
        env: ctx.env,
        trigger: 'cli',
        onProgress: progress.onProgress,
        onNotice: (m) => {
          progress.done();
          ctx.stderr.write(`${name}: ${m}\n`);
        },
      });
    } finally {
      progress.done();
    }
    if (values.json) {
      writeJson(ctx, {
        stack: name,
        ok: r.ok,
        snapshotId: r.snapshotId,
        shortId: r.shortId,
        initialized: r.initialized,
        incomplete: r.incomplete,
        paths: r.paths,
        missingPaths: r.missingPaths,
        summary: r.summary,
        errors: r.errors,
        notices: r.notices,
        durationMs: r.durationMs,
      });
      return r.ok ? 0 : 1;
    }
    const s = r.summary;
    const text =
      `snapshot ${r.shortId} of ${name}: ${s.files_new} new, ${s.files_changed} changed, ${s.files_unmodified} unchanged files, ` +
      `${formatBytes(s.data_added)} added (${(r.durationMs / 1000).toFixed(1)} s)`;
    if (r.ok) {
      line(ctx, text);
      return 0;
    }
    line(ctx, text);
    ctx.stderr.write(
      `${name}: snapshot ${r.shortId} is incomplete: restic could not read ${r.errors.length} file(s)${r.errors[0] ? `: ${r.errors[0]}` : ''}\n`,
    );
    return 1;
  },
};

export const backupList: Command = {
  name: 'backup list',
  usage: 'dayops backup list STACK [--json] [--cached]',
  summary: "a stack's snapshots (asks restic; --cached shows the last listing)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('backup list', args, {
      json: { type: 'boolean' },
      cached: { type: 'boolean' },
    });
    const name = stackArg('backup list', positionals);
    const db = ctx.db();
    const stack = findStack(db, name);
    if (!values.cached) refuseReadonly(ctx, 'backup list');
    const r = await snapshotsOf(db, stack, { env: ctx.env, refresh: !values.cached });
    const now = Date.now();
    if (values.json) {
      writeJson(ctx, {
        stack: name,
        fetchedAt: iso(r.fetchedAt),
        stale: r.stale,
        error: r.error,
        snapshots: r.snapshots.map(snapshotJson),
      });
      return r.error ? 1 : 0;
    }
    if (r.error) {
      ctx.stderr.write(
        `${name}: ${r.error}${r.fetchedAt !== null ? ` (showing the listing of ${iso(r.fetchedAt)})` : ''}\n`,
      );
    }
    if (r.snapshots.length === 0) {
      if (!r.error) line(ctx, `No snapshots of ${name} yet. Make one with \`dayops backup run ${name}\`.`);
      return r.error ? 1 : 0;
    }
    line(
      ctx,
      formatTable(
        ['ID', 'TIME', 'AGE', 'HOST', 'PATHS'],
        r.snapshots.map((s) => [s.shortId, iso(s.time)!, ago(s.time, now), s.hostname, s.paths.join(' ')]),
      ),
    );
    return r.error ? 1 : 0;
  },
};

export const backupVerify: Command = {
  name: 'backup verify',
  usage: 'dayops backup verify STACK [--json] [--read-data-subset N%] [--snapshot ID]',
  summary: 'restore test: restore the newest snapshot to a temporary folder, compare it, and run restic check',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('backup verify', args, {
      json: { type: 'boolean' },
      'read-data-subset': { type: 'string' },
      snapshot: { type: 'string' },
    });
    const name = stackArg('backup verify', positionals);
    refuseReadonly(ctx, 'backup verify');
    const db = ctx.db();
    requirePermission(db, 'restore-test');
    const stack = findStack(db, name);
    const r = await restoreTestNow(db, stack, {
      env: ctx.env,
      trigger: 'cli',
      readDataSubset: values['read-data-subset'],
      snapshotId: values.snapshot,
    });
    if (values.json) {
      writeJson(ctx, { stack: name, ok: r.ok, error: r.error, durationMs: r.durationMs, ...r.detail });
      return r.ok ? 0 : 1;
    }
    const id = r.snapshotId ? r.snapshotId.slice(0, 8) : '-';
    if (r.ok) {
      line(
        ctx,
        `restore test of ${name} passed: snapshot ${id}, ${r.detail.files} files (${formatBytes(r.detail.bytes)}) restored and checked`,
      );
      for (const p of r.detail.proven) line(ctx, `  ${p}`);
      return 0;
    }
    ctx.stderr.write(`${name}: restore test FAILED (snapshot ${id}): ${r.error}\n`);
    return 1;
  },
};

export const backupPrune: Command = {
  name: 'backup prune',
  usage: 'dayops backup prune STACK [--json]',
  summary: "forget snapshots outside the stack's backups.retention and prune their data",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('backup prune', args, { json: { type: 'boolean' } });
    const name = stackArg('backup prune', positionals);
    refuseReadonly(ctx, 'backup prune');
    const db = ctx.db();
    requirePermission(db, 'backup');
    const stack = findStack(db, name);
    const r = await pruneStackBackups(db, stack, {
      env: ctx.env,
      trigger: 'cli',
      onNotice: (m) => ctx.stderr.write(`${name}: ${m}\n`),
    });
    if (values.json) {
      writeJson(ctx, {
        stack: name,
        policy: r.policy,
        kept: r.kept.map(snapshotJson),
        removed: r.removed.map(snapshotJson),
      });
      return 0;
    }
    line(ctx, `${name}: kept ${r.kept.length} snapshot(s), removed ${r.removed.length} (${r.policy.join(' ')})`);
    for (const s of r.removed) line(ctx, `  removed ${s.shortId} ${iso(s.time)}`);
    return 0;
  },
};

function statusJson(s: BackupStatus) {
  return {
    stack: s.stack,
    configured: s.configured,
    status: s.status,
    lastSnapshotAt: iso(s.lastSnapshotAt),
    ageMinutes: s.ageMinutes,
    rpoMinutes: s.rpoMinutes,
    rpoSource: s.rpoSource,
    rtoMinutes: s.rtoMinutes,
    rtoSource: s.rtoSource,
    restoreOverRto: s.restoreOverRto,
    schedule: s.schedule,
    snapshotCount: s.snapshotCount,
    lastRestoreTest: s.lastRestoreTest
      ? {
          at: iso(s.lastRestoreTest.at),
          ok: s.lastRestoreTest.ok,
          error: s.lastRestoreTest.error,
          restoreMs: s.lastRestoreTest.restoreMs,
          ...(s.lastRestoreTest.stale ? { stale: true } : {}),
        }
      : null,
    ...(s.lastRestoreAttempt
      ? { lastRestoreAttempt: { ...s.lastRestoreAttempt, at: iso(s.lastRestoreAttempt.at) } }
      : {}),
    lastBackup: s.lastBackup ? { at: iso(s.lastBackup.at), ok: s.lastBackup.ok, error: s.lastBackup.error } : null,
    fetchedAt: iso(s.fetchedAt),
    stale: s.stale,
    error: s.error,
  };
}

export const backupStatusCmd: Command = {
  name: 'backup status',
  usage: 'dayops backup status [STACK] [--json]',
  summary: "whether each stack's last snapshot is within its RPO, and its last restore test (from the cache)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('backup status', args, { json: { type: 'boolean' } });
    if (positionals.length > 1) throw new UserError('dayops backup status: give at most one stack name', 2);
    const db = ctx.db();
    const now = Date.now();
    const all = positionals.length
      ? [stackBackupStatus(db, findStack(db, positionals[0]), now)]
      : allBackupStatuses(db, now).filter((s) => s.configured);
    if (values.json) {
      writeJson(ctx, { stacks: all.map(statusJson) });
      return 0;
    }
    if (all.length === 0) {
      line(ctx, 'No stack has backups configured (backups.repository in its dayops.yaml).');
      return 0;
    }
    line(
      ctx,
      formatTable(
        ['STACK', 'STATUS', 'LAST SNAPSHOT', 'RPO', 'RESTORE TEST', 'RTO', 'NOTE'],
        all.map((s) => [
          s.stack,
          s.configured ? s.status : 'not configured',
          ago(s.lastSnapshotAt, now),
          s.rpoMinutes === null ? '-' : `${s.rpoMinutes}m`,
          s.lastRestoreTest ? `${s.lastRestoreTest.ok ? 'ok' : 'FAILED'} ${ago(s.lastRestoreTest.at, now)}` : 'never',
          restoreRtoText(s) || (s.rtoMinutes === null ? '-' : `${s.rtoMinutes}m`),
          s.error ?? (s.stale ? 'stale listing' : ''),
        ]),
      ),
    );
    return 0;
  },
};

export const backupSelfCmd: Command = {
  name: 'backup self',
  usage: 'dayops backup self [--out FILE] [--repository REPO] [--json]',
  summary: "a consistent copy of dayops' own database (also into restic with --repository or DAYOPS_SELF_REPOSITORY)",
  async run(args, ctx) {
    const { values } = parseFlags(
      'backup self',
      args,
      { out: { type: 'string' }, repository: { type: 'string' }, json: { type: 'boolean' } },
      false,
    );
    refuseReadonly(ctx, 'backup self');
    const db = ctx.db();
    const r = await backupDayops(db, ctx.dbPath, {
      env: ctx.env,
      to: values.out === undefined ? undefined : resolve(ctx.cwd, values.out),
      repository: values.repository,
      trigger: 'cli',
    });
    if (values.json) {
      writeJson(ctx, {
        ok: true,
        file: r.file,
        bytes: r.bytes,
        integrity: r.integrity,
        repository: r.repository,
        snapshotId: r.snapshotId,
        notices: r.notices,
      });
      return 0;
    }
    for (const n of r.notices) ctx.stderr.write(`${n}\n`);
    line(
      ctx,
      `dayops database copied to ${r.file} (${formatBytes(r.bytes)}, integrity ok)${r.snapshotId ? `, snapshot ${r.snapshotId.slice(0, 8)} in ${r.repository}` : ''}`,
    );
    return 0;
  },
};
