/**
 * `dayops graph [--json]`: the stacks' dependency graph (dependsOn and inputs of every dayops.yaml) and the order
 * they run in, level by level; the stacks of one level can run in parallel. A missing stack or a cycle is one line
 * naming it (exit 1).
 */
import { inputRefText } from '../config/dependencies.js';
import { checkGraph, levels, loadGraph } from '../day1/dependencies/graph.js';
import { StacksRepo } from '../db/stacks.js';
import { formatTable } from '../text-table.js';
import { type Command, line, parseFlags, writeJson } from './context.js';

export const graphCommand: Command = {
  name: 'graph',
  usage: 'dayops graph [--json]',
  summary: 'the stacks and what each depends on, in the order they run (each level can run in parallel)',
  async run(args, ctx) {
    const { values } = parseFlags('graph', args, { json: { type: 'boolean' } }, false);
    const graph = loadGraph(new StacksRepo(ctx.db()).list(), { strict: true });
    checkGraph(graph);
    const order = levels(graph);
    const stacks = order.flat().map((name) => {
      const n = graph.nodes.get(name)!;
      return {
        name,
        dependsOn: [...n.dependsOn].sort(),
        inputs: Object.fromEntries(Object.entries(n.inputs).map(([k, ref]) => [k, inputRefText(ref)])),
      };
    });
    if (values.json) {
      writeJson(ctx, { stacks, order });
      return 0;
    }
    if (stacks.length === 0) {
      line(ctx, 'No stacks yet: register one with `dayops stack add DIR`.');
      return 0;
    }
    const rows: string[][] = [];
    order.forEach((level, i) => {
      level.forEach((name, j) => {
        const s = stacks.find((x) => x.name === name)!;
        rows.push([
          j === 0 ? String(i + 1) : '',
          name,
          s.dependsOn.join(', ') || '-',
          Object.entries(s.inputs)
            .map(([k, v]) => `${k} = ${v}`)
            .join(', ') || '-',
        ]);
      });
    });
    line(ctx, formatTable(['LEVEL', 'STACK', 'DEPENDS ON', 'INPUTS'], rows));
    line(ctx, '');
    line(ctx, 'Stacks of one level depend only on earlier levels: they can run in parallel.');
    return 0;
  },
};
