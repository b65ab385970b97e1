/**
 * The wizard's later steps: what the stack keeps and how it is run (storage, CI/CD, security and compliance,
 * success criteria, the Day-2 plan).
 */
import {
  COMPLIANCE,
  DB_ENGINES,
  GITOPS,
  MONITORING,
  PIPELINES,
  REPO_LAYOUTS,
  SECRETS_MANAGERS,
  type Blueprint,
} from '../blueprint.js';
import { CATALOG } from '../catalog.js';
import {
  cronFieldProblem,
  nameProblem,
  opts,
  patchWindowProblem,
  uniqueName,
  urlProblem,
  wordProblem,
  type Step,
} from './fields.js';

export const STORAGE: Step = {
  id: 'storage',
  title: 'Storage',
  intro: 'Storage classes for persistent volumes, and managed databases.',
  fields: [
    {
      kind: 'list',
      id: 'classes',
      label: 'Storage classes',
      noun: 'storage class',
      path: ['storage', 'classes'],
      help: 'Kinds of disk volumes get; one should be the default.',
      make: (bp, items) => ({
        name: uniqueName('storage', items),
        type: CATALOG[bp.provider.cloud].defaultStorageType,
        encrypted: true,
        default: items.length === 0,
        backup: true,
      }),
      summary: (i) => {
        const k = i as Blueprint['storage']['classes'][number];
        return `${k.name} · ${k.type} · ${k.encrypted ? 'encrypted' : 'NOT encrypted'}${k.default ? ' · default' : ''} · ${k.backup ? 'backed up' : 'NO backup'}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'name',
          label: 'Name',
          path: ['name'],
          help: 'Lowercase letters, digits and dashes.',
          validate: nameProblem,
        },
        {
          kind: 'choice',
          id: 'type',
          label: 'Disk type',
          path: ['type'],
          help: "The cloud's disk type behind the class.",
          options: ({ bp }) => CATALOG[bp.provider.cloud].storageTypes.map((t) => ({ value: t.id, label: t.label })),
        },
        {
          kind: 'bool',
          id: 'encrypted',
          label: 'Encrypted',
          path: ['encrypted'],
          help: 'Encrypt volumes of this class at rest.',
        },
        {
          kind: 'bool',
          id: 'default',
          label: 'Default class',
          path: ['default'],
          help: 'Volumes that name no class get this one.',
        },
        {
          kind: 'bool',
          id: 'backup',
          label: 'Backed up',
          path: ['backup'],
          help: 'Snapshot volumes of this class on the backup schedule.',
        },
      ],
    },
    {
      kind: 'list',
      id: 'databases',
      label: 'Databases',
      noun: 'database',
      path: ['storage', 'databases'],
      help: 'Managed databases the workloads use.',
      make: (_bp, items) => ({
        name: uniqueName('db', items),
        engine: 'postgres',
        version: '16',
        sizeGb: 20,
        encrypted: true,
        backup: true,
      }),
      summary: (i) => {
        const d = i as Blueprint['storage']['databases'][number];
        return `${d.name} · ${d.engine} ${d.version} · ${d.sizeGb} GB · ${d.encrypted ? 'encrypted' : 'NOT encrypted'} · ${d.backup ? 'backed up' : 'NO backup'}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'name',
          label: 'Name',
          path: ['name'],
          help: 'Lowercase letters, digits and dashes.',
          validate: nameProblem,
        },
        {
          kind: 'choice',
          id: 'engine',
          label: 'Engine',
          path: ['engine'],
          help: 'The database engine (the audit checks the cloud offers it).',
          options: () => opts(DB_ENGINES),
        },
        {
          kind: 'text',
          id: 'version',
          label: 'Version',
          path: ['version'],
          help: 'The engine version, such as 16.',
          validate: (t) => (/^\d+(\.\d+){0,2}$/.test(t.trim()) ? undefined : 'a version such as 16 or 8.0'),
        },
        {
          kind: 'number',
          id: 'sizeGb',
          label: 'Size (GB)',
          path: ['sizeGb'],
          help: 'Allocated storage in GB.',
          integer: true,
          min: 1,
          max: 65536,
          unit: 'GB',
        },
        { kind: 'bool', id: 'encrypted', label: 'Encrypted', path: ['encrypted'], help: 'Encrypt the data at rest.' },
        {
          kind: 'bool',
          id: 'backup',
          label: 'Backed up',
          path: ['backup'],
          help: 'Automated backups of the database.',
        },
      ],
    },
  ],
};

export const CICD: Step = {
  id: 'cicd',
  title: 'CI/CD',
  intro: 'How changes get from a commit to the cluster.',
  fields: [
    {
      kind: 'choice',
      id: 'pipeline',
      label: 'Pipeline',
      path: ['cicd', 'pipeline'],
      help: 'The CI system that runs plans and tests.',
      options: () => opts(PIPELINES),
    },
    {
      kind: 'choice',
      id: 'gitops',
      label: 'GitOps tool',
      path: ['cicd', 'gitops'],
      help: 'What syncs the cluster from git (none: the pipeline applies).',
      options: () => opts(GITOPS),
    },
    {
      kind: 'choice',
      id: 'repoLayout',
      label: 'Repository layout',
      path: ['cicd', 'repoLayout'],
      help: 'One repository for all environments, or one per environment.',
      options: () => opts(REPO_LAYOUTS),
    },
  ],
};

export const SECURITY: Step = {
  id: 'security',
  title: 'Security & compliance',
  intro: 'Secrets, who may do what in the cluster, and the rules the design must meet.',
  fields: [
    {
      kind: 'choice',
      id: 'secrets',
      label: 'Secrets manager',
      path: ['security', 'secrets'],
      help: "Where secrets live; the cloud's own needs no extra credentials.",
      options: ({ bp }) =>
        SECRETS_MANAGERS.map((s) => ({
          value: s,
          label: s === CATALOG[bp.provider.cloud].secretsManager ? `${s} · this cloud's` : s,
        })),
    },
    {
      kind: 'list',
      id: 'rbac',
      label: 'RBAC bindings',
      noun: 'RBAC binding',
      path: ['security', 'rbac'],
      help: 'Which group gets which Kubernetes role, cluster-wide or in some namespaces.',
      make: () => ({ group: 'developers', role: 'view' }),
      summary: (i) => {
        const r = i as Blueprint['security']['rbac'][number];
        return `${r.group} → ${r.role}${r.namespaces?.length ? ` in ${r.namespaces.join(', ')}` : ' (cluster-wide)'}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'group',
          label: 'Group',
          path: ['group'],
          help: 'The identity-provider group.',
          validate: wordProblem('group'),
        },
        {
          kind: 'text',
          id: 'role',
          label: 'Role',
          path: ['role'],
          help: 'A Kubernetes role such as cluster-admin, admin, edit or view.',
          validate: wordProblem('role'),
        },
        {
          kind: 'csv',
          id: 'namespaces',
          label: 'Namespaces',
          path: ['namespaces'],
          help: 'Comma-separated; empty means cluster-wide.',
          element: (t) => nameProblem(t),
          omitEmpty: true,
        },
      ],
    },
    {
      kind: 'multi',
      id: 'compliance',
      label: 'Compliance',
      path: ['security', 'compliance'],
      help: 'Regimes the design must meet (GDPR needs EU regions; HIPAA and PCI-DSS need encryption and audit logs).',
      options: () =>
        opts(COMPLIANCE, {
          gdpr: 'EU data protection',
          hipaa: 'US health data',
          'pci-dss': 'card payments',
          soc2: 'service controls',
        }),
    },
    {
      kind: 'bool',
      id: 'encryptionAtRest',
      label: 'Encryption at rest',
      path: ['security', 'encryptionAtRest'],
      help: 'Encrypt disks, databases and secrets at rest.',
    },
    {
      kind: 'bool',
      id: 'auditLogging',
      label: 'Audit logging',
      path: ['security', 'auditLogging'],
      help: 'Keep the cluster and cloud audit logs (who did what).',
    },
  ],
};

export const SUCCESS: Step = {
  id: 'success',
  title: 'Success criteria',
  intro: 'What "working" means: the targets monitoring, alerts and backups are built to meet.',
  fields: [
    {
      kind: 'number',
      id: 'availabilitySlo',
      label: 'Availability SLO',
      path: ['successCriteria', 'availabilitySlo'],
      help: 'Percent of time the service is up, such as 99.9.',
      above: 0,
      max: 100,
      unit: '%',
    },
    {
      kind: 'number',
      id: 'p95LatencyMs',
      label: 'p95 latency',
      path: ['successCriteria', 'p95LatencyMs'],
      help: '95% of requests answer within this many milliseconds.',
      integer: true,
      min: 1,
      unit: 'ms',
    },
    {
      kind: 'number',
      id: 'rpoMinutes',
      label: 'RPO',
      path: ['successCriteria', 'rpoMinutes'],
      help: 'The data loss the business accepts, in minutes (backups must run at least this often).',
      above: 0,
      unit: 'min',
    },
    {
      kind: 'number',
      id: 'rtoMinutes',
      label: 'RTO',
      path: ['successCriteria', 'rtoMinutes'],
      help: 'How long a restore may take, in minutes.',
      above: 0,
      unit: 'min',
    },
  ],
};

export const DAY2: Step = {
  id: 'day2',
  title: 'Day-2 plan',
  intro: 'How the stack is operated: monitoring, alerts, drift checks, backups and patching.',
  fields: [
    {
      kind: 'choice',
      id: 'monitoring',
      label: 'Monitoring',
      path: ['day2', 'monitoring'],
      help: 'Where metrics go.',
      options: () => opts(MONITORING),
    },
    {
      kind: 'text',
      id: 'alertmanagerUrl',
      label: 'Alertmanager URL',
      path: ['day2', 'alerting', 'alertmanagerUrl'],
      help: "Alertmanager's address, such as http://127.0.0.1:9093 (empty: no alerts).",
      validate: urlProblem,
      optional: true,
    },
    {
      kind: 'list',
      id: 'receivers',
      label: 'Alert receivers',
      noun: 'receiver',
      path: ['day2', 'alerting', 'receivers'],
      help: 'Alertmanager receivers that get this stack’s alerts (pagerduty, a team channel).',
      make: (_bp, items) => {
        const names = new Set(items as string[]);
        let n = 1;
        while (names.has(n === 1 ? 'receiver' : `receiver-${n}`)) n++;
        return n === 1 ? 'receiver' : `receiver-${n}`;
      },
      summary: (i) => String(i),
      fields: [
        {
          kind: 'text',
          id: 'receiver',
          label: 'Receiver',
          path: [],
          help: 'The receiver name as Alertmanager knows it.',
          validate: wordProblem('receiver name'),
        },
      ],
    },
    {
      kind: 'text',
      id: 'driftSchedule',
      label: 'Drift schedule',
      path: ['day2', 'drift', 'schedule'],
      help: 'Cron (five fields, UTC): when to plan and look for drift, such as 0 */6 * * *.',
      validate: cronFieldProblem,
      optional: true,
    },
    {
      kind: 'bool',
      id: 'autoRemediate',
      label: 'Auto-remediate drift',
      path: ['day2', 'drift', 'autoRemediate'],
      help: 'Apply drift fixes with no approval (not advised in prod).',
    },
    {
      kind: 'text',
      id: 'backupSchedule',
      label: 'Backup schedule',
      path: ['day2', 'backups', 'schedule'],
      help: 'Cron (UTC): must run at least as often as the RPO.',
      validate: cronFieldProblem,
      optional: true,
    },
    {
      kind: 'number',
      id: 'retentionHourly',
      label: 'Keep hourly',
      path: ['day2', 'backups', 'retention', 'hourly'],
      help: 'Hourly snapshots to keep (empty: none).',
      integer: true,
      min: 0,
      optional: true,
    },
    {
      kind: 'number',
      id: 'retentionDaily',
      label: 'Keep daily',
      path: ['day2', 'backups', 'retention', 'daily'],
      help: 'Daily snapshots to keep (empty: none).',
      integer: true,
      min: 0,
      optional: true,
    },
    {
      kind: 'number',
      id: 'retentionWeekly',
      label: 'Keep weekly',
      path: ['day2', 'backups', 'retention', 'weekly'],
      help: 'Weekly snapshots to keep (empty: none).',
      integer: true,
      min: 0,
      optional: true,
    },
    {
      kind: 'number',
      id: 'retentionMonthly',
      label: 'Keep monthly',
      path: ['day2', 'backups', 'retention', 'monthly'],
      help: 'Monthly snapshots to keep (empty: none).',
      integer: true,
      min: 0,
      optional: true,
    },
    {
      kind: 'text',
      id: 'restoreTest',
      label: 'Restore-test schedule',
      path: ['day2', 'backups', 'restoreTestSchedule'],
      help: 'Cron (UTC): when to test-restore the latest backup, such as 0 4 * * 0.',
      validate: cronFieldProblem,
      optional: true,
    },
    {
      kind: 'text',
      id: 'repository',
      label: 'Backup repository',
      path: ['day2', 'backups', 'repository'],
      help: 'A restic repository: a path or URL such as s3:s3.amazonaws.com/bucket/path.',
      optional: true,
    },
    {
      kind: 'text',
      id: 'patchWindow',
      label: 'Patch window',
      path: ['day2', 'patching', 'window'],
      help: 'When upgrades may run, such as "Sun 02:00-04:00" (UTC).',
      validate: patchWindowProblem,
      optional: true,
    },
  ],
};
