/**
 * Which tool drives a folder: dayops.yaml's `tool` first; then OpenTofu/Terraform code (`*.tofu` means OpenTofu;
 * `*.tf` means OpenTofu when `tofu` is on PATH and `terraform` is not, Terraform when only `terraform` is, else
 * OpenTofu); then an Ansible playbook (the configured one, site.yml or playbook.yml); then a `custom` block.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { loadStackConfig, type StackConfig } from '../config/stack-config.js';
import type { Tool } from '../domain/stack.js';
import { PLAYBOOK_CANDIDATES } from './adapters/ansible.js';

export interface DetectOptions {
  /** The PATH to look for `tofu` and `terraform` on (default: process.env.PATH). */
  path?: string;
}

/** Is an executable named `name` on this PATH? */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

/**
 * The tool for the stack folder `dir`. `config` is its dayops.yaml when already loaded; otherwise the file is
 * read (a broken dayops.yaml throws its ConfigError). Undefined when nothing matches.
 */
export function detectTool(dir: string, config?: StackConfig, opts: DetectOptions = {}): Tool | undefined {
  const cfg = config ?? loadStackConfig(dir);
  if (cfg.tool) return cfg.tool;
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (files.some((f) => f.endsWith('.tofu') || f.endsWith('.tofu.json'))) return 'opentofu';
  if (files.some((f) => f.endsWith('.tf') || f.endsWith('.tf.json'))) {
    const tofu = onPath('tofu', opts.path);
    const terraform = onPath('terraform', opts.path);
    return terraform && !tofu ? 'terraform' : 'opentofu';
  }
  const playbook = cfg.ansible?.playbook;
  if (playbook && existsSync(isAbsolute(playbook) ? playbook : join(dir, playbook))) return 'ansible';
  if (PLAYBOOK_CANDIDATES.some((f) => files.includes(f))) return 'ansible';
  if (cfg.custom) return 'custom';
  return undefined;
}
