/** The adapter for each tool dayops drives. */
import type { ToolAdapter } from '../adapter.js';
import type { Tool } from '../../domain/stack.js';
import { AnsibleAdapter } from './ansible.js';
import { CustomAdapter } from './custom.js';
import { TerraformAdapter } from './terraform.js';

export function adapterFor(tool: Tool): ToolAdapter {
  switch (tool) {
    case 'opentofu':
    case 'terraform':
      return new TerraformAdapter(tool);
    case 'ansible':
      return new AnsibleAdapter();
    case 'custom':
      return new CustomAdapter();
    default: {
      const never: never = tool;
      throw new Error(`no adapter for tool ${String(never)}`);
    }
  }
}

export { AnsibleAdapter, resolvePlaybook, PLAYBOOK_CANDIDATES } from './ansible.js';
export { CustomAdapter, CustomProtocolParser } from './custom.js';
export { TerraformAdapter, PLAN_FILE } from './terraform.js';
export { TfStreamParser, displayTfLine, parseTfLine } from './terraform-stream.js';
export { planFromShow, parseShowJson, redactSensitive, SENSITIVE, UNKNOWN } from './terraform-show.js';
export { AnsibleResultParser, parseAnsibleOutput, displayAnsibleLine, formatAnsibleDiff } from './ansible-results.js';
