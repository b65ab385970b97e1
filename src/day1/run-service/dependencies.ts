/**
 * Stack dependencies in the run's life (issue 12): a run's `inputs` read from its upstream stacks' outputs before
 * it initialises, and after a successful apply, the stack's outputs compared with what they were before it: a
 * change queues runs of the stacks that depend on it (a cascade, src/day1/dependencies/cascade.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputRefText } from '../../config/dependencies.js';
import { loadStackConfig, type StackConfig } from '../../config/stack-config.js';
import { DependenciesRepo } from '../../db/dependencies.js';
import type { RunRecord } from '../../db/runs.js';
import type { Stack } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';
import type { ExecSpec } from '../adapter.js';
import { dependencyProblem, directDownstream, hasOutputs, levelOf, loadGraph } from '../dependencies/graph.js';
import {
  changedOutputs,
  digestOutputs,
  newSalt,
  readOutputs,
  stringsOf,
  tfVarText,
  type Outputs,
} from '../dependencies/outputs.js';
import { skipRestOfCascade } from '../dependencies/cascade.js';
import { sensitiveVariables } from '../dependencies/tf-variables.js';
import { resolveStackEnv } from '../secrets.js';
import { execInRun } from '../runner/process.js';
import { currentOwner } from '../runner/procinfo.js';
import { createRunDir, runDirFor } from '../runner/rundir.js';
import { RunQueue } from './queue.js';
import type { LiveRun } from './types.js';

const MAX_SHOWN = 200;

function binaryOf(stack: Stack, config: StackConfig): string {
  return config.binary ?? (stack.tool === 'opentofu' ? 'tofu' : 'terraform');
}

export abstract class RunDependencies extends RunQueue {
  private depsRepo: DependenciesRepo | undefined;
  /**
   * Every sensitive output value of each stack this process has read (before and after its applies), kept in
   * memory only: a downstream run it drives masks the earlier values too, which the downstream's state may still
   * hold in an attribute its tool does not mark sensitive (and its next plan would show as the value before).
   */
  private readonly seenSecrets = new Map<string, Set<string>>();

  private remember(stack: string, outputs: Outputs): void {
    for (const o of Object.values(outputs)) {
      if (!o.sensitive) continue;
      let set = this.seenSecrets.get(stack);
      if (!set) this.seenSecrets.set(stack, (set = new Set()));
      for (const v of [...stringsOf(o.value), tfVarText(o.value)]) set.add(v);
    }
  }

  get dependencies(): DependenciesRepo {
    return (this.depsRepo ??= new DependenciesRepo(this.db));
  }

  /** A missing upstream stack, a cycle through this stack, or an input from a stack with no outputs: one line. */
  protected checkDependencies(stack: Stack, config: StackConfig): void {
    if (config.dependsOn.length === 0) return;
    const configs = new Map([[stack.name, config]]);
    const problem = dependencyProblem(loadGraph(this.stacks.list(), { configs }), stack.name);
    if (problem) throw new UserError(problem);
  }

  /** Run a command of dayops' own in another stack's folder as part of this run (its stderr goes to the log). */
  private execIn(live: LiveRun, dir: string, env: Record<string, string>) {
    return (spec: ExecSpec) =>
      execInRun(spec, {
        cwd: dir,
        env: { ...this.env, ...env },
        log: live.log,
        signal: live.abort.signal,
        graceMs: this.graceMs,
        onSpawn: (pid, start) => this.toolGroups.add(live.id, pid, start, currentOwner()),
        onGroupEnd: (pid) => this.toolGroups.remove(live.id, pid),
      });
  }

  /**
   * Read the upstream outputs this run's `inputs` name and give them to its tool: `TF_VAR_<name>` for
   * OpenTofu/Terraform and custom tools, an extra-vars file (`-e @file`) for Ansible. A sensitive output is masked
   * in every line of the run from now on, and shown nowhere. Throws the one-line error that fails the run.
   */
  protected async resolveInputs(live: LiveRun): Promise<void> {
    const { stack, config } = live.prep;
    const inputs = Object.entries(config.inputs);
    if (live.inputsResolved || inputs.length === 0) return;
    const byStack = new Map<string, Outputs>();
    const values: Record<string, unknown> = {};
    let sensitive: Set<string> | undefined;
    for (const [variable, ref] of inputs) {
      let outputs = byStack.get(ref.stack);
      if (!outputs) {
        const up = this.stacks.get(ref.stack);
        if (!up) throw new UserError(`inputs.${variable}: stack ${ref.stack} is not registered (dayops stack list)`);
        if (!hasOutputs(up.tool))
          throw new UserError(
            `inputs.${variable}: stack ${ref.stack} is an ${up.tool} stack, which has no outputs (only OpenTofu/Terraform stacks have outputs)`,
          );
        let upConfig: StackConfig;
        try {
          upConfig = loadStackConfig(up.dir);
        } catch (err) {
          throw new UserError(`inputs.${variable}: stack ${ref.stack}: ${errorMessage(err)}`);
        }
        const upEnv = resolveStackEnv(upConfig, up.dir, this.env);
        // The upstream's secrets may reach its tool's messages: masked here too.
        live.prep.redactor.add(upEnv.secretValues);
        live.log.system(`dayops: reading the outputs of ${ref.stack}`, 'init');
        outputs = await readOutputs(
          this.execIn(live, up.dir, upEnv.env),
          binaryOf(up, upConfig),
          'init',
          `stack ${ref.stack}`,
        );
        byStack.set(ref.stack, outputs);
        this.remember(ref.stack, outputs);
        live.prep.redactor.add([...(this.seenSecrets.get(ref.stack) ?? [])]);
      }
      const out = outputs[ref.output];
      if (!out) {
        const names = Object.keys(outputs);
        throw new UserError(
          names.length === 0
            ? `inputs.${variable}: stack ${ref.stack} has no outputs yet (apply it first)`
            : `inputs.${variable}: stack ${ref.stack} has no output ${ref.output} (its outputs: ${names.join(', ')})`,
        );
      }
      if (out.sensitive) {
        live.prep.redactor.add([...stringsOf(out.value), tfVarText(out.value)]);
        if (hasOutputs(stack.tool) && !(sensitive ??= sensitiveVariables(stack.dir)).has(variable)) {
          throw new UserError(
            `inputs.${variable}: ${inputRefText(ref)} is sensitive: declare variable "${variable}" with sensitive = true in ${stack.name}'s code (else ${stack.tool} shows and keeps it in clear)`,
          );
        }
      }
      values[variable] = out.value;
      const shown = out.sensitive ? '(sensitive: passed, never shown)' : JSON.stringify(out.value);
      live.log.system(
        `dayops: input ${variable} = ${inputRefText(ref)}: ${shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown}`,
        'init',
      );
    }
    if (stack.tool === 'ansible') {
      createRunDir(this.dbPath, live.id);
      const file = join(runDirFor(this.dbPath, live.id), 'inputs.json');
      writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
      const a = config.ansible ?? { extraArgs: [] };
      live.prep = {
        ...live.prep,
        config: { ...config, ansible: { ...a, extraArgs: [...a.extraArgs, '-e', `@${file}`] } },
      };
    } else {
      for (const [variable, v] of Object.entries(values)) live.prep.env[`TF_VAR_${variable}`] = tfVarText(v);
    }
    live.inputsResolved = true;
  }

  /**
   * Before an apply: the stack's outputs as they are, when stacks depend on it (else nothing is read). A failure
   * to read them is said in the log and counts as "no outputs".
   */
  protected async outputsBefore(live: LiveRun): Promise<Outputs | undefined> {
    const { stack, config } = live.prep;
    if (!hasOutputs(stack.tool)) return undefined;
    if (directDownstream(loadGraph(this.stacks.list()), stack.name).length === 0) return undefined;
    try {
      const outputs = await readOutputs(
        this.execIn(live, stack.dir, live.prep.env),
        binaryOf(stack, config),
        'apply',
        stack.name,
      );
      this.remember(stack.name, outputs);
      return outputs;
    } catch (err) {
      live.log.system(`dayops: warning: could not read the outputs before the apply: ${errorMessage(err)}`, 'apply');
      return {};
    }
  }

  /**
   * After a successful apply of a stack others depend on: read its outputs, keep their digest, and when they
   * changed, queue runs of its direct downstream stacks (tracked where the stack has autoApply: true, else
   * proposed), in dependency order. Never fails the run: a problem is a warning in its log.
   */
  protected async outputsAfter(live: LiveRun, before: Outputs | undefined, user: string): Promise<void> {
    if (!before) return;
    const { stack, config } = live.prep;
    try {
      const after = await readOutputs(
        this.execIn(live, stack.dir, live.prep.env),
        binaryOf(stack, config),
        'apply',
        stack.name,
      );
      this.remember(stack.name, after);
      const repo = this.dependencies;
      const salt = repo.outputs(stack.id)?.salt ?? newSalt();
      const digest = digestOutputs(after, salt);
      const changed = changedOutputs(digestOutputs(before, salt), digest);
      repo.saveOutputs(stack.id, salt, live.id, digest);
      if (changed.length === 0) {
        live.log.system('dayops: outputs unchanged: no downstream run', 'apply');
        return;
      }
      const graph = loadGraph(this.stacks.list());
      const level = levelOf(graph);
      const items = directDownstream(graph, stack.name).flatMap((name) => {
        const down = this.stacks.get(name);
        if (!down) return [];
        let autoApply = false;
        try {
          autoApply = loadStackConfig(down.dir).autoApply;
        } catch {
          /* its run fails on its config, and says so */
        }
        return [
          {
            stackId: down.id,
            kind: autoApply ? ('tracked' as const) : ('proposed' as const),
            autoApply,
            level: level.get(name) ?? 0,
            reason: `outputs of ${stack.name} changed (${changed.join(', ')}) by run ${live.id}`,
          },
        ];
      });
      const root = repo.cascadeOf(live.id)?.rootRunId ?? live.id;
      const ids = repo.queue(root, live.id, user, items);
      const queued = ids.map((id) => {
        const r = this.runs.get(id)!;
        this.emit('state', r);
        return `run ${id} of ${r.stackName} (${r.kind})`;
      });
      live.log.system(
        `dayops: outputs changed (${changed.join(', ')}): ${queued.length ? `queued ${queued.join(', ')}` : 'every downstream stack already has a run queued'}`,
        'apply',
      );
    } catch (err) {
      live.log.system(`dayops: warning: could not read the outputs after the apply: ${errorMessage(err)}`, 'apply');
    }
  }

  /** A run of a cascade that settled without finishing stops its cascade: the runs still queued are skipped. */
  stopCascade(run: RunRecord): void {
    this.cascadeSettled(run);
  }

  protected cascadeSettled(run: RunRecord): void {
    if (run.state === 'FINISHED') return;
    try {
      for (const r of skipRestOfCascade(this.db, run)) this.emit('state', r);
    } catch {
      /* not stored (a busy or full disk): whoever runs the cascade next stops it */
    }
  }
}
