/**
 * The dashboard's promotion pipelines (issue 12): per pipeline, the revision each environment runs (that of its
 * stack's last successful run) and how far each environment is behind the one it is promoted from: commits
 * (`git rev-list --count DOWNSTREAM..UPSTREAM` in the downstream's checkout), or "differs" for content hashes.
 * React-free; git runs as child processes, so this is async and the TUI reads it in the background.
 */
import { pipelineLinks, pipelines } from '../promotion/pipeline.js';
import type { DB } from '../../db/open.js';
import { RevisionsRepo, type ValidationStatus } from '../../db/revisions.js';
import type { Environment } from '../../domain/stack.js';
import { stackConfigOf } from '../../day2/configs.js';
import { commitsBehind, shortRevision } from '../../day1/revision.js';

export interface StageView {
  stack: string;
  environment: Environment;
  /** The revision of the stack's last successful run; null when it has none (or none recorded). */
  revision: string | null;
  kind: 'git' | 'content' | null;
  dirty: boolean;
  runId: number | null;
  validation: ValidationStatus;
  /** Against the stage before it: commits it lacks, 'differs' (content hashes, or commits git cannot count), 0 when level. */
  behind: number | 'differs' | null;
}

export interface PipelineView {
  name: string;
  stages: StageView[];
}

/** Every pipeline with the revisions its environments run. */
export async function readPipelines(db: DB): Promise<PipelineView[]> {
  const links = pipelineLinks(db, (stack) => {
    const entry = stackConfigOf(stack.dir);
    return entry.config ? { name: entry.config.promotesFrom } : { problem: entry.error ?? undefined };
  });
  const revisions = new RevisionsRepo(db);
  const out: PipelineView[] = [];
  for (const p of pipelines(db, links)) {
    const stages: StageView[] = [];
    for (const s of p.stages) {
      const last = revisions.lastSucceeded(s.id);
      const stage: StageView = {
        stack: s.name,
        environment: s.environment,
        revision: last?.revision ?? null,
        kind: last?.kind ?? null,
        dirty: last?.dirty ?? false,
        runId: last?.runId ?? null,
        validation: last?.validation ?? null,
        behind: null,
      };
      const up = stages.find((x) => x.stack === links.get(s.name)?.upstream?.name);
      if (up?.revision && stage.revision) {
        if (up.revision === stage.revision) stage.behind = 0;
        else if (up.kind === 'git' && stage.kind === 'git')
          stage.behind = (await commitsBehind(s.dir, stage.revision, up.revision)) ?? 'differs';
        else stage.behind = 'differs';
      }
      stages.push(stage);
    }
    out.push({ name: p.name, stages });
  }
  return out;
}

/** `shop  dev 1a2b3c4d5e6f · staging 1a2b3c4d5e6f · prod 9f8e7d6c5b4a (2 commits behind staging)`. */
export function pipelineLine(p: PipelineView): string {
  const parts = p.stages.map((s, i) => {
    const rev = s.revision ? shortRevision(s) : 'no successful run';
    const failed = s.validation === 'failed' ? ' validation failed' : '';
    const up = i > 0 ? p.stages[i - 1].environment : '';
    const behind =
      s.behind === null || s.behind === 0
        ? ''
        : s.behind === 'differs'
          ? ` (differs from ${up})`
          : ` (${s.behind} commit${s.behind === 1 ? '' : 's'} behind ${up})`;
    return `${s.environment} ${rev}${failed}${behind}`;
  });
  return `${p.name}  ${parts.join(' · ')}`;
}

/** The tone of a pipeline's line: a warning when an environment is behind, an error when a validation failed. */
export function pipelineTone(p: PipelineView): 'ok' | 'warning' | 'error' {
  if (p.stages.some((s) => s.validation === 'failed')) return 'error';
  if (p.stages.some((s) => s.behind !== null && s.behind !== 0)) return 'warning';
  return 'ok';
}
