import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/day0/blueprint.js';
import { stackConfigSchema } from '../../src/config/stack-config.js';
import { parseYaml } from '../../src/config/yaml-file.js';
import { ConfigError } from '../../src/errors.js';

const err = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('errors in YAML files a person wrote', () => {
  it('name the file, the line and column, and the field', () => {
    const e = err(() => parseYaml('tool: opentofu\ndrift:\n  schedule: 5\n', 'dayops.yaml', stackConfigSchema));
    expect(e.message).toMatch(/^dayops\.yaml:3:13: drift\.schedule: /);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('say plainly that a required part is missing', () => {
    const e = err(() =>
      parseBlueprint('apiVersion: dayops/v1\nkind: Blueprint\nmetadata: {name: x, environment: prod}\n', 'bp.yaml'),
    );
    expect(e.message).toBe('bp.yaml:1:1: provider: is missing (expected a mapping)');
  });

  it('name a field that does not exist (a typo), where it stands', () => {
    const e = err(() => parseYaml('tool: opentofu\nautoAply: true\n', 'dayops.yaml', stackConfigSchema));
    expect(e.message).toBe('dayops.yaml:2:1: autoAply: unknown key; did you mean autoApply?');
  });

  it('point at broken YAML syntax', () => {
    const e = err(() => parseYaml('policies: [\n', 'dayops.yaml', stackConfigSchema));
    expect(e.message).toMatch(/^dayops\.yaml:\d+:\d+: invalid YAML: /);
  });
});
