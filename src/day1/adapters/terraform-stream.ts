/**
 * Terraform's and OpenTofu's machine-readable UI (`plan -json`, `apply -json`): one JSON object per line, each
 * with `@level`, `@message`, `@module`, `type` and a type-specific body. The format is documented at
 * https://developer.hashicorp.com/terraform/internals/machine-readable-ui (OpenTofu: the same with `tofu.ui`).
 * `TfStreamParser` reads the lines as they arrive and keeps what a plan or an apply needs: planned changes,
 * drift, the change summaries, diagnostics, per-resource apply progress and provisioner errors. Nothing here
 * reads the human text; `@message` is only used for display.
 */
import type {
  ApplyResult,
  ApplyStatus,
  ChangeAction,
  Diagnostic,
  FullSummary,
  ResourceChange,
} from '../../domain/plan.js';
import { summarize } from '../../domain/plan.js';

/** The `resource` object of a hook or change message. */
interface TfResourceAddr {
  addr?: string;
  module?: string;
  resource?: string;
  implied_provider?: string;
  resource_type?: string;
  resource_name?: string;
  resource_key?: string | number | null;
}

interface TfDiagnostic {
  severity?: string;
  summary?: string;
  detail?: string;
  address?: string;
  range?: { filename?: string; start?: { line?: number; column?: number } };
  /** `context` names the block: `check "web"` for a check block's assertion. */
  snippet?: { context?: string | null };
}

/** One UI message, as much of it as dayops reads. */
export interface TfMessage {
  '@level'?: string;
  '@message'?: string;
  '@module'?: string;
  type?: string;
  terraform?: string;
  tofu?: string;
  ui?: string;
  change?: {
    resource?: TfResourceAddr;
    previous_resource?: TfResourceAddr;
    action?: string;
    reason?: string;
    importing?: { id?: string };
  };
  changes?: { add?: number; change?: number; remove?: number; import?: number; forget?: number; operation?: string };
  diagnostic?: TfDiagnostic;
  hook?: {
    resource?: TfResourceAddr;
    action?: string;
    provisioner?: string;
    output?: string;
    id_key?: string;
    id_value?: string;
    elapsed_seconds?: number;
  };
  outputs?: Record<string, { sensitive?: boolean; type?: unknown; value?: unknown; action?: string }>;
}

/** A `change_summary` message: Terraform counts a replace as one add and one remove. */
export interface TfChangeSummary {
  operation: 'plan' | 'apply' | 'destroy' | string;
  add: number;
  change: number;
  remove: number;
  import: number;
  /** Not in Terraform 1.11's summaries, which leave forgotten objects out of the count. */
  forget?: number;
}

export type TfApplyState = 'applying' | 'complete' | 'errored';

/** What the apply stream said about one resource address. */
export interface TfApplyProgress {
  address: string;
  /** The hook actions seen, in order (a replace is `delete` then `create`, or the reverse). */
  actions: string[];
  /** Hook actions that completed. */
  completed: string[];
  state: TfApplyState;
  id?: string;
  elapsedSeconds?: number;
  provisionerError?: string;
  type?: string;
  name?: string;
  module?: string;
  provider?: string;
}

/** Parse one line; undefined for anything that is not a JSON object with a `type`. */
export function parseTfLine(line: string): TfMessage | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as TfMessage).type === 'string')
      return v as TfMessage;
  } catch {
    /* not JSON: a plain line of a plugin or a crash */
  }
  return undefined;
}

/**
 * Map one action word of the stream to dayops' action. Terraform 1.11 calls a forget `remove` in the stream
 * (`forget` in `show -json`); an object that is only imported is `import`.
 */
export function tfAction(action: string | undefined): ChangeAction {
  switch (action) {
    case 'create':
    case 'update':
    case 'delete':
    case 'replace':
    case 'read':
    case 'move':
    case 'import':
    case 'forget':
      return action;
    case 'remove':
      return 'forget';
    default:
      // noop, and anything newer than this code
      return 'no-op';
  }
}

/** `main.tf:3` from a diagnostic's range. */
function location(d: TfDiagnostic): string | undefined {
  const file = d.range?.filename;
  if (!file) return undefined;
  const line = d.range?.start?.line;
  return line ? `${file}:${line}` : file;
}

export function toDiagnostic(d: TfDiagnostic): Diagnostic {
  const out: Diagnostic = {
    severity: d.severity === 'error' ? 'error' : 'warning',
    summary: d.summary ?? '(no summary)',
  };
  if (d.detail) out.detail = d.detail;
  if (d.address) out.address = d.address;
  const loc = location(d);
  if (loc) out.location = loc;
  if (d.range?.filename) out.file = d.range.filename;
  if (d.range?.start?.line) out.line = d.range.start.line;
  if (d.range?.start?.column) out.column = d.range.start.column;
  const check = /^check "([^"]+)"$/.exec(d.snippet?.context ?? '');
  if (check) out.check = check[1];
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * What the log and the pane show for a line of the JSON UI: its `@message`, and for a diagnostic its detail and
 * where. Non-JSON lines are kept as they are (undefined).
 */
export function displayTfLine(line: string): string | undefined {
  const m = parseTfLine(line);
  if (!m) return undefined;
  const msg = oneLine(m['@message'] ?? '');
  if (m.type === 'diagnostic' && m.diagnostic) {
    const d = m.diagnostic;
    const loc = location(d);
    const parts = [msg || `${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary ?? ''}`];
    if (d.detail) parts.push(oneLine(d.detail));
    const where = [d.address, loc].filter(Boolean).join(', ');
    return parts.join(': ') + (where ? ` (${where})` : '');
  }
  return msg || `[${m.type}]`;
}

function changeFromResource(
  r: TfResourceAddr | undefined,
  action: string | undefined,
  previous?: TfResourceAddr,
  reason?: string,
  importing?: boolean,
): ResourceChange | undefined {
  if (!r?.addr) return undefined;
  const c: ResourceChange = { address: r.addr, action: tfAction(action), actions: action ? [action] : [] };
  if (importing) c.importing = true;
  if (r.resource_type) c.type = r.resource_type;
  if (r.resource_name) c.name = r.resource_name;
  if (r.module) c.module = r.module;
  if (r.implied_provider) c.provider = r.implied_provider;
  if (previous?.addr && previous.addr !== r.addr) c.previousAddress = previous.addr;
  if (reason) c.reason = reason;
  return c;
}

/** Reads a `-json` UI stream line by line. One parser per command (plan or apply). */
export class TfStreamParser {
  /** `Terraform 1.11.4` / `OpenTofu 1.8.0`, from the version message. */
  version?: { tool: 'terraform' | 'opentofu'; version: string; ui?: string };
  /** `planned_change` messages, in order (the last message per address wins). */
  readonly planned: ResourceChange[] = [];
  /** `resource_drift` messages. */
  readonly drift: ResourceChange[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly summaries: TfChangeSummary[] = [];
  /** Per-address apply progress, in the order resources started. */
  readonly progress = new Map<string, TfApplyProgress>();
  /** Output names and whether they are sensitive (values are never kept). */
  outputs?: Record<string, { sensitive: boolean }>;
  /** Lines that were not JSON UI messages (a crash, a plugin's stray print). */
  readonly otherLines: string[] = [];
  /** An interrupt was acknowledged (the `log` message Terraform writes on SIGINT). */
  interrupted = false;
  messages = 0;

  /** Feed one stdout line. Returns the parsed message, if it was one. */
  push(line: string): TfMessage | undefined {
    const m = parseTfLine(line);
    if (!m) {
      if (line.trim()) this.otherLines.push(line);
      return undefined;
    }
    this.messages++;
    switch (m.type) {
      case 'version': {
        const tofu = m.tofu ?? (m['@module']?.startsWith('tofu') ? m.terraform : undefined);
        this.version = tofu
          ? { tool: 'opentofu', version: tofu, ui: m.ui }
          : { tool: 'terraform', version: m.terraform ?? '', ui: m.ui };
        break;
      }
      case 'planned_change':
      case 'resource_drift': {
        const c = changeFromResource(
          m.change?.resource,
          m.change?.action,
          m.change?.previous_resource,
          m.change?.reason,
          Boolean(m.change?.importing),
        );
        if (!c) break;
        const list = m.type === 'planned_change' ? this.planned : this.drift;
        const i = list.findIndex((x) => x.address === c.address);
        if (i >= 0) list[i] = c;
        else list.push(c);
        break;
      }
      case 'change_summary': {
        const s = m.changes ?? {};
        this.summaries.push({
          operation: s.operation ?? 'plan',
          add: s.add ?? 0,
          change: s.change ?? 0,
          remove: s.remove ?? 0,
          import: s.import ?? 0,
          ...(typeof s.forget === 'number' ? { forget: s.forget } : {}),
        });
        break;
      }
      case 'diagnostic':
        if (m.diagnostic) this.diagnostics.push(toDiagnostic(m.diagnostic));
        break;
      case 'apply_start':
      case 'apply_progress':
      case 'apply_complete':
      case 'apply_errored': {
        const p = this.progressFor(m);
        if (!p) break;
        const action = m.hook?.action;
        if (m.type === 'apply_start') {
          if (action) p.actions.push(action);
          p.state = 'applying';
        } else if (m.type === 'apply_complete') {
          if (action) p.completed.push(action);
          // a replace completes twice; it stays `applying` until both halves are done (see applyResult)
          p.state = 'complete';
        } else if (m.type === 'apply_errored') {
          p.state = 'errored';
        }
        if (m.hook?.id_value) p.id = m.hook.id_value;
        if (typeof m.hook?.elapsed_seconds === 'number') p.elapsedSeconds = m.hook.elapsed_seconds;
        break;
      }
      case 'provision_errored': {
        const p = this.progressFor(m);
        if (p) p.provisionerError = m.hook?.provisioner ?? 'provisioner';
        break;
      }
      case 'outputs': {
        const out: Record<string, { sensitive: boolean }> = {};
        for (const [k, v] of Object.entries(m.outputs ?? {})) out[k] = { sensitive: Boolean(v?.sensitive) };
        this.outputs = out;
        break;
      }
      case 'log':
        if (/Interrupt received/i.test(m['@message'] ?? '')) this.interrupted = true;
        break;
      default:
        // refresh_*, provision_start/progress/complete, ephemeral_*, test_*, and types added later: display only
        break;
    }
    return m;
  }

  private progressFor(m: TfMessage): TfApplyProgress | undefined {
    const r = m.hook?.resource;
    if (!r?.addr) return undefined;
    let p = this.progress.get(r.addr);
    if (!p) {
      p = { address: r.addr, actions: [], completed: [], state: 'applying' };
      if (r.resource_type) p.type = r.resource_type;
      if (r.resource_name) p.name = r.resource_name;
      if (r.module) p.module = r.module;
      if (r.implied_provider) p.provider = r.implied_provider;
      this.progress.set(r.addr, p);
    }
    return p;
  }

  /** The last change_summary of an operation (`plan` or `apply`). */
  summary(operation: 'plan' | 'apply'): TfChangeSummary | undefined {
    for (let i = this.summaries.length - 1; i >= 0; i--) {
      const s = this.summaries[i];
      if (s.operation === operation || (operation === 'apply' && s.operation === 'destroy')) return s;
    }
    return undefined;
  }

  errors(): Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }

  /**
   * The outcome of an apply. `planned` is what the plan said would change (from `show -json`); without it, the
   * apply stream's own planned_change messages and hook events are used. `succeeded`: the process exited 0
   * without error diagnostics, so every planned change was made (even those with no hook event: moves, imports,
   * forgets). Otherwise each change gets what the hooks say of it (see ApplyStatus), and the summary counts only
   * what was applied.
   */
  applyResult(planned: readonly ResourceChange[] | undefined, succeeded: boolean): ApplyResult {
    const base = (planned ?? this.planned).filter((c) => c.action !== 'no-op');
    const byAddress = new Map<string, ResourceChange>();
    for (const c of base) byAddress.set(c.address, { ...c });
    for (const p of this.progress.values()) {
      if (byAddress.has(p.address)) continue;
      // A data source read while applying is not a change the plan asked for.
      const acts = p.actions.filter((a) => a !== 'read');
      if (!acts.length) continue;
      const action: ChangeAction =
        acts.includes('create') && acts.includes('delete') ? 'replace' : tfAction(acts[acts.length - 1]);
      const c: ResourceChange = { address: p.address, action, actions: acts };
      if (p.type) c.type = p.type;
      if (p.name) c.name = p.name;
      if (p.module) c.module = p.module;
      if (p.provider) c.provider = p.provider;
      byAddress.set(p.address, c);
    }
    const changes: ResourceChange[] = [];
    for (const c of byAddress.values()) {
      c.status = statusOf(c, this.progress.get(c.address), succeeded);
      changes.push(c);
    }
    const streamed = this.summary('apply');
    let summary: FullSummary;
    if (succeeded && streamed) {
      const counted = summarize(changes);
      summary = {
        add: streamed.add,
        change: streamed.change,
        destroy: streamed.remove,
        import: streamed.import,
        forget: streamed.forget ?? counted.forget,
      };
    } else {
      summary = countApplied(changes, this.progress);
    }
    return { changes, summary, diagnostics: [...this.diagnostics] };
  }
}

/** The hook actions a change needs to have completed to be done (a replace needs its delete and its create). */
function hookActions(c: ResourceChange): string[] {
  switch (c.action) {
    case 'replace':
      return ['delete', 'create'];
    case 'forget':
      // ["create","forget"]: the create is reported, the forget is not
      return c.actions.includes('create') ? ['create'] : [];
    case 'move':
    case 'import':
      return [];
    default:
      return [c.action];
  }
}

function statusOf(c: ResourceChange, p: TfApplyProgress | undefined, succeeded: boolean): ApplyStatus {
  if (p?.state === 'errored') return 'failed';
  if (succeeded) return 'applied';
  const need = hookActions(c);
  if (!p) return need.length ? 'not-started' : 'unknown';
  return need.every((a) => p.completed.includes(a)) ? 'applied' : 'interrupted';
}

/** Without an apply change_summary, count what was applied (a half-done replace counts its finished half). */
function countApplied(changes: readonly ResourceChange[], progress: Map<string, TfApplyProgress>): FullSummary {
  const s = summarize(changes.filter((c) => c.status === 'applied'));
  for (const c of changes) {
    if (c.status === 'applied' || c.action !== 'replace') continue;
    const p = progress.get(c.address);
    if (p?.completed.includes('delete')) s.destroy++;
    if (p?.completed.includes('create')) s.add++;
  }
  return s;
}
