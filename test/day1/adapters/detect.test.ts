/** detectTool: which tool drives a stack folder. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectTool, onPath } from '../../../src/day1/detect.js';
import { stackConfigSchema } from '../../../src/config/stack-config.js';
import { ConfigError } from '../../../src/errors.js';
import { tmpDir } from '../../helpers/tmp.js';

function folder(files: Record<string, string>): string {
  const dir = tmpDir('dayops-detect-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A PATH holding executables with these names (and, to be sure, a non-executable `terraform` elsewhere). */
function pathWith(...names: string[]): string {
  const bin = tmpDir('dayops-detect-bin-');
  for (const n of names) {
    writeFileSync(join(bin, n), '#!/bin/sh\n');
    chmodSync(join(bin, n), 0o755);
  }
  const decoy = tmpDir('dayops-detect-decoy-');
  writeFileSync(join(decoy, 'terraform'), 'not executable');
  chmodSync(join(decoy, 'terraform'), 0o644);
  mkdirSync(join(decoy, 'tofu')); // a folder named tofu is not an executable
  return [decoy, bin].join(delimiter);
}

describe('detectTool', () => {
  it("dayops.yaml's tool comes first, whatever files are there", () => {
    const dir = folder({ 'main.tf': '', 'site.yml': '', 'dayops.yaml': 'tool: ansible\n' });
    expect(detectTool(dir)).toBe('ansible');
    // a config passed in is used instead of reading the file
    expect(detectTool(dir, stackConfigSchema.parse({ tool: 'terraform' }))).toBe('terraform');
  });

  it('*.tofu files mean OpenTofu even when only terraform is installed', () => {
    expect(detectTool(folder({ 'main.tofu': '' }), undefined, { path: pathWith('terraform') })).toBe('opentofu');
    expect(detectTool(folder({ 'main.tofu.json': '{}' }), undefined, { path: pathWith('terraform') })).toBe('opentofu');
  });

  it('*.tf files: terraform when only terraform is on PATH, else OpenTofu', () => {
    const dir = folder({ 'main.tf': '', 'variables.tf': '' });
    expect(detectTool(dir, undefined, { path: pathWith('terraform') })).toBe('terraform');
    expect(detectTool(dir, undefined, { path: pathWith('tofu') })).toBe('opentofu');
    expect(detectTool(dir, undefined, { path: pathWith('tofu', 'terraform') })).toBe('opentofu');
    expect(detectTool(dir, undefined, { path: pathWith() })).toBe('opentofu');
    expect(detectTool(folder({ 'main.tf.json': '{}' }), undefined, { path: pathWith('terraform') })).toBe('terraform');
  });

  it('an Ansible playbook: site.yml, playbook.yml, or the one dayops.yaml names', () => {
    expect(detectTool(folder({ 'site.yml': '- hosts: all\n' }))).toBe('ansible');
    expect(detectTool(folder({ 'playbook.yml': '- hosts: all\n' }))).toBe('ansible');
    expect(detectTool(folder({ 'deploy.yml': '', 'dayops.yaml': 'ansible: { playbook: deploy.yml }\n' }))).toBe(
      'ansible',
    );
    // named but absent: not an Ansible stack by that token
    expect(detectTool(folder({ 'dayops.yaml': 'ansible: { playbook: deploy.yml }\n' }))).toBeUndefined();
  });

  it('Terraform code wins over a playbook in the same folder', () => {
    expect(detectTool(folder({ 'main.tf': '', 'site.yml': '' }), undefined, { path: pathWith('tofu') })).toBe(
      'opentofu',
    );
  });

  it('a custom block without a tool: custom', () => {
    expect(detectTool(folder({ 'dayops.yaml': 'custom: { plan: [make, plan] }\n' }))).toBe('custom');
  });

  it('nothing recognisable, or no folder: undefined', () => {
    expect(detectTool(folder({ 'README.md': '# hi\n', 'main.tf.bak': '' }))).toBeUndefined();
    expect(detectTool(join(tmpDir(), 'missing'))).toBeUndefined();
  });

  it('a broken dayops.yaml is reported, not guessed around', () => {
    expect(() => detectTool(folder({ 'main.tf': '', 'dayops.yaml': 'tool: pulumi\n' }))).toThrow(ConfigError);
  });

  it('onPath finds executables only', () => {
    const p = pathWith('tofu');
    expect(onPath('tofu', p)).toBe(true);
    expect(onPath('terraform', p)).toBe(false);
    expect(onPath('ansible-playbook', '')).toBe(false);
  });
});
