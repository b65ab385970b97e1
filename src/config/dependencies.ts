/**
 * `dayops.yaml`'s dependency fields (issue 12): which stacks this one runs after, and which of their outputs it
 * takes as variables.
 *
 * ```yaml
 * dependsOn: [network]
 * inputs:
 *   vpc_id: network.outputs.vpc_id     # Terraform/OpenTofu/custom: TF_VAR_vpc_id; Ansible: the extra var vpc_id
 * ```
 *
 * What one file can say is checked here (an input naming a stack that is not in `dependsOn`, a stack depending on
 * itself); what needs the registry (a stack that is not registered, a cycle, an upstream with no outputs) is
 * checked by src/day1/dependencies/graph.ts.
 */
import { z } from 'zod';
import { STACK_NAME_RE } from '../domain/stack.js';

/** `network.outputs.vpc_id`: the stack, then the name of one of its outputs. */
export const INPUT_REF_RE = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** A variable name that is also an environment variable's (`TF_VAR_<name>`). */
const inputName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name (letters, digits, _)');

const inputRef = z
  .string()
  .regex(INPUT_REF_RE, 'must name an upstream stack output, as network.outputs.vpc_id')
  .transform((ref) => {
    const m = INPUT_REF_RE.exec(ref)!;
    return { stack: m[1], output: m[2] };
  });

export type InputRef = z.output<typeof inputRef>;

/** The fields, spread into the stack config's shape. */
export const dependencyFields = {
  dependsOn: z
    .array(z.string().regex(STACK_NAME_RE, 'must be a stack name (lowercase letters, digits and dashes)'))
    .default([]),
  inputs: z.record(inputName, inputRef).default({}),
};

interface Deps {
  name?: string;
  dependsOn: string[];
  inputs: Record<string, InputRef>;
}

/** The checks one file can make; called from the stack config's refinement. */
export function checkDependencies(c: Deps, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  c.dependsOn.forEach((s, i) => {
    if (seen.has(s)) ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: `${s} is named twice` });
    seen.add(s);
    if (c.name && s === c.name)
      ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: `a stack cannot depend on itself (${s})` });
  });
  for (const [name, ref] of Object.entries(c.inputs)) {
    if (!seen.has(ref.stack)) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputs', name],
        message: `stack ${ref.stack} is not in dependsOn (add it: dependsOn: [${[...c.dependsOn, ref.stack].join(', ')}])`,
      });
    }
  }
}

/** `vpc_id: network.outputs.vpc_id` as written. */
export function inputRefText(ref: InputRef): string {
  return `${ref.stack}.outputs.${ref.output}`;
}
