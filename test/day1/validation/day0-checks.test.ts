/**
 * Day-0 writes starter checks from the design into the generated dayops.yaml: the ingress answers, the cluster's
 * API accepts connections, each database endpoint accepts TCP on its engine's port. Their hosts exist only after
 * the first apply, so they are written commented out, naming the output to read; uncommented and filled in, they
 * are valid checks.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYamlText } from 'yaml';
import { stackConfigSchema } from '../../../src/config/stack-config.js';
import { CLOUDS } from '../../../src/day0/blueprint.js';
import { generate } from '../../../src/day0/generate/index.js';
import { richDesign, withTool } from '../../day0/designs.js';

function dayopsYaml(cloud: (typeof CLOUDS)[number], tool: 'opentofu' | 'ansible' = 'opentofu'): string {
  const files = generate(withTool(richDesign(cloud), tool), []);
  return files.find((f) => f.path === 'dayops.yaml')!.content;
}

describe('starter checks from the design', () => {
  it.each(CLOUDS)('%s: commented out, and valid checks once filled in', (cloud) => {
    const text = dayopsYaml(cloud);
    // As written: no check is active (no apply fails its validation on a placeholder).
    expect(stackConfigSchema.parse(parseYamlText(text)).checks).toEqual([]);
    const start = text.indexOf('# checks:');
    expect(start).toBeGreaterThan(0);
    const filled = text
      .slice(start)
      .split('\n')
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n')
      .replace('HOST', 'shop.example.com')
      .replace('API_HOST', '10.0.0.1')
      .replaceAll('DB_HOST', '10.0.0.2');
    const cfg = stackConfigSchema.parse({ ...parseYamlText(text), ...parseYamlText(filled) });
    const design = richDesign(cloud);
    expect(cfg.checks.map((c) => c.name)).toEqual([
      'ingress-answers',
      'cluster-api-answers',
      ...design.storage.databases.map((d) => `${d.name}-accepts-tcp`),
    ]);
    expect(cfg.checks[0].http).toMatchObject({ url: 'https://shop.example.com/healthz', status: 200, timeout: 5000 });
    expect(cfg.checks[1].tcp).toEqual({ host: '10.0.0.1', port: 443 });
    const ports: Record<string, number> = { postgres: 5432, mysql: 3306, mariadb: 3306, sqlserver: 1433, redis: 6379 };
    design.storage.databases.forEach((d, i) => {
      expect(cfg.checks[2 + i].tcp).toEqual({ host: '10.0.0.2', port: ports[d.engine] });
      expect(cfg.checks[2 + i].when).toEqual(['after-apply', 'scheduled']);
    });
    expect(text).toMatch(/#\s+tcp: \{ host: API_HOST, port: 443 \}\s+# the host in: terraform output cluster_endpoint/);
  });

  it('an Ansible stack reads its hosts from the inventory', () => {
    expect(dayopsYaml('aws', 'ansible')).toMatch(/tcp: \{ host: API_HOST, port: 443 \}\s+# from your inventory/);
  });
});
