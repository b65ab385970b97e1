/**
 * Day-0 at the speed of typing: the wizard audits the design on every keystroke of its review screen.
 * Targets (median): audit of a full prod design 2 ms; audit with a backup schedule never seen before (the cron walk
 * is not cached yet) 15 ms; generating every file of the design 40 ms.
 *
 * Run: `npm run build && node dist/bench/run.js day0`.
 */
import { audit } from '../src/day0/audit.js';
import { defaultBlueprint } from '../src/day0/defaults.js';
import { generate } from '../src/day0/generate/index.js';
import type { Blueprint } from '../src/day0/blueprint.js';
import type { Benchmark, BenchReport } from './run.js';
import { medianMs } from './timing.js';

function design(): Blueprint {
  const b = defaultBlueprint('aws', 'bench', 'prod');
  b.cluster.nodePools.push({ name: 'batch', instanceType: 'c6i.2xlarge', min: 0, desired: 0, max: 10, spot: true });
  b.storage.databases = [
    { name: 'orders', engine: 'postgres', version: '16', sizeGb: 100, encrypted: true, backup: true },
    { name: 'cache', engine: 'redis', version: '7', sizeGb: 4, encrypted: true, backup: true },
  ];
  b.network.firewall.push({
    name: 'ssh-vpn',
    direction: 'ingress',
    protocol: 'tcp',
    ports: [22],
    sources: ['10.8.0.0/16'],
  });
  b.security.compliance = ['gdpr', 'pci-dss'];
  return b;
}

export const day0Benchmark: Benchmark = {
  name: 'day0',
  summary: 'audit and generation of a design, as the wizard runs them',
  async run(): Promise<BenchReport> {
    const bp = design();
    for (let i = 0; i < 20; i++) audit(bp); // warm up (JIT, schedule cache)
    const warm = medianMs(() => audit(bp), 200);
    const cold = medianMs((i) => {
      // A schedule the cache has not seen: hourly on some weekdays, as an operator types one.
      audit({ ...bp, day2: { ...bp.day2, backups: { ...bp.day2.backups, schedule: `${i % 60} * * * ${i % 7}-6` } } });
    }, 60);
    const gen = medianMs(() => generate(bp, []), 30);
    const targets = { audit: 2, auditNewSchedule: 15, generate: 40 };
    return {
      name: 'day0',
      ok: warm <= targets.audit && cold <= targets.auditNewSchedule && gen <= targets.generate,
      lines: [
        `audit of a prod design: ${warm.toFixed(2)} ms (target ${targets.audit} ms)`,
        `audit with a new backup schedule: ${cold.toFixed(2)} ms (target ${targets.auditNewSchedule} ms)`,
        `generate every file: ${gen.toFixed(2)} ms (target ${targets.generate} ms)`,
      ],
      figures: { auditMs: warm, auditNewScheduleMs: cold, generateMs: gen },
    };
  },
};
