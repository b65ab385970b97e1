/**
 * The blueprint: a reviewed Day-0 design, as the wizard writes it and `dayops design --from` reads it.
 * The shape follows the documented example (apiVersion dayops/v1, kind Blueprint); field names are a contract.
 *
 * The schema checks shapes and types. Whether the values make sense together (a subnet inside the VPC, a region
 * the provider has, a backup schedule that meets the RPO) is the audit's job (./audit.ts), so that every such
 * problem is reported at once, with its path, instead of the first one stopping the parse.
 */
import { z } from 'zod';
import { ENVIRONMENTS, STACK_NAME_RE } from '../domain/stack.js';
import { parseYaml, readYamlFile } from '../config/yaml-file.js';

export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export type Cloud = (typeof CLOUDS)[number];
export const KUBERNETES_SERVICES = ['eks', 'aks', 'gke'] as const;
export type KubernetesService = (typeof KUBERNETES_SERVICES)[number];
export const IAC_TOOLS = ['opentofu', 'terraform', 'ansible'] as const;
export type IacTool = (typeof IAC_TOOLS)[number];
export const INGRESS_CONTROLLERS = ['nginx', 'alb', 'traefik', 'istio'] as const;
export const DB_ENGINES = ['postgres', 'mysql', 'mariadb', 'sqlserver', 'redis'] as const;
export const PIPELINES = ['github-actions', 'gitlab-ci', 'jenkins', 'other'] as const;
export const GITOPS = ['argocd', 'flux', 'none'] as const;
export const REPO_LAYOUTS = ['monorepo', 'repo-per-env'] as const;
export const SECRETS_MANAGERS = [
  'aws-secrets-manager',
  'azure-key-vault',
  'gcp-secret-manager',
  'vault',
  'sops',
] as const;
export const COMPLIANCE = ['gdpr', 'hipaa', 'pci-dss', 'soc2'] as const;
/** Where OpenTofu/Terraform keeps the state: a bucket or blob container with locking, or the local disk. */
export const STATE_BACKENDS = ['s3', 'gcs', 'azurerm', 'local'] as const;
export type StateBackend = (typeof STATE_BACKENDS)[number];
/** The state backend of each cloud's designs unless they choose another. */
export const DEFAULT_BACKEND: Record<Cloud, StateBackend> = { aws: 's3', azure: 'azurerm', gcp: 'gcs' };
/**
 * Where plans and applies run: inside the private network (a self-hosted CI runner or a bastion in the VPC, or a
 * VPN into it) or on the internet (hosted CI runners, a laptop). It decides whether a private Kubernetes API can
 * be reached.
 */
export const RUNNERS = ['private-network', 'internet'] as const;
export const MONITORING = ['prometheus', 'datadog', 'cloudwatch', 'none'] as const;

const name = z.string().regex(STACK_NAME_RE, 'must be lowercase letters, digits and dashes');
const count = z.number().int().min(0);

export const nodePoolSchema = z
  .object({
    name,
    instanceType: z.string().min(1),
    min: count,
    desired: count,
    max: count,
    spot: z.boolean().default(false),
  })
  .strict();

export const subnetSchema = z
  .object({
    name,
    cidr: z.string().min(1),
    zone: z.string().min(1),
    public: z.boolean().default(false),
  })
  .strict();

export const firewallRuleSchema = z
  .object({
    name,
    direction: z.enum(['ingress', 'egress']).default('ingress'),
    protocol: z.enum(['tcp', 'udp', 'icmp', 'all']).default('tcp'),
    ports: z.array(z.number().int().min(0).max(65535)).default([]),
    sources: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const storageClassSchema = z
  .object({
    name,
    type: z.string().min(1),
    encrypted: z.boolean().default(true),
    default: z.boolean().default(false),
    /** Persistent volumes of this class hold data that must be backed up (e.g. volume snapshots). */
    backup: z.boolean().default(true),
  })
  .strict();

export const databaseSchema = z
  .object({
    name,
    engine: z.enum(DB_ENGINES),
    version: z.union([z.string(), z.number()]).transform(String),
    sizeGb: z.number().int().min(1),
    encrypted: z.boolean().default(true),
    backup: z.boolean().default(true),
    /**
     * A standby in a second zone that takes over on its own (multi-AZ, regional, zone-redundant). Absent: on in
     * prod, off elsewhere (see databaseSettings).
     */
    highAvailability: z.boolean().optional(),
    /** The database cannot be deleted until this is turned off. Absent: on in prod and under HIPAA or PCI-DSS. */
    deletionProtection: z.boolean().optional(),
    /** A last snapshot (or the backups) is kept when the database is deleted. Absent: as deletionProtection. */
    finalSnapshot: z.boolean().optional(),
  })
  .strict();

export const rbacBindingSchema = z
  .object({
    group: z.string().min(1),
    role: z.string().min(1),
    namespaces: z.array(z.string().min(1)).optional(),
  })
  .strict();

const cron = z.string();

const blueprintObject = z
  .object({
    apiVersion: z.literal('dayops/v1'),
    kind: z.literal('Blueprint'),
    metadata: z
      .object({
        name,
        environment: z.enum(ENVIRONMENTS),
        owner: z.string().default(''),
        description: z.string().default(''),
      })
      .strict(),
    provider: z
      .object({
        cloud: z.enum(CLOUDS),
        region: z.string().min(1),
        secondaryRegions: z.array(z.string().min(1)).default([]),
        kubernetes: z.enum(KUBERNETES_SERVICES),
      })
      .strict(),
    iac: z
      .object({
        tool: z.enum(IAC_TOOLS),
        /** Absent (older blueprints): the cloud's default, DEFAULT_BACKEND. */
        backend: z.enum(STATE_BACKENDS).optional(),
        runner: z.enum(RUNNERS).default('private-network'),
      })
      .strict(),
    cluster: z
      .object({
        version: z.union([z.string(), z.number()]).transform(String),
        controlPlane: z
          .object({
            availability: z.enum(['single', 'ha']),
            privateEndpoint: z.boolean().default(true),
          })
          .strict(),
        nodePools: z.array(nodePoolSchema).min(1, 'a cluster needs at least one node pool'),
      })
      .strict(),
    network: z
      .object({
        vpcCidr: z.string().min(1),
        subnets: z.array(subnetSchema).default([]),
        ingress: z
          .object({
            controller: z.enum(INGRESS_CONTROLLERS),
            allowedCidrs: z.array(z.string().min(1)).default([]),
          })
          .strict(),
        egress: z.object({ natGateways: count }).strict(),
        firewall: z.array(firewallRuleSchema).default([]),
      })
      .strict(),
    storage: z
      .object({
        classes: z.array(storageClassSchema).default([]),
        databases: z.array(databaseSchema).default([]),
      })
      .strict(),
    cicd: z
      .object({
        pipeline: z.enum(PIPELINES),
        gitops: z.enum(GITOPS),
        repoLayout: z.enum(REPO_LAYOUTS),
      })
      .strict(),
    security: z
      .object({
        secrets: z.enum(SECRETS_MANAGERS),
        rbac: z.array(rbacBindingSchema).default([]),
        compliance: z.array(z.enum(COMPLIANCE)).default([]),
        encryptionAtRest: z.boolean(),
        auditLogging: z.boolean(),
      })
      .strict(),
    successCriteria: z
      .object({
        availabilitySlo: z.number().gt(0).lt(100.0000001),
        p95LatencyMs: z.number().int().positive(),
        rpoMinutes: z.number().positive(),
        rtoMinutes: z.number().positive(),
      })
      .strict(),
    day2: z
      .object({
        monitoring: z.enum(MONITORING),
        alerting: z
          .object({
            alertmanagerUrl: z.string().default(''),
            receivers: z.array(z.string().min(1)).default([]),
          })
          .strict(),
        drift: z
          .object({
            schedule: cron.default(''),
            autoRemediate: z.boolean().default(false),
          })
          .strict(),
        backups: z
          .object({
            schedule: cron.default(''),
            retention: z
              .object({
                hourly: count.optional(),
                daily: count.optional(),
                weekly: count.optional(),
                monthly: count.optional(),
              })
              .strict()
              .default({}),
            restoreTestSchedule: cron.default(''),
            repository: z.string().default(''),
          })
          .strict(),
        patching: z.object({ window: z.string().default('') }).strict(),
      })
      .strict(),
    /** The environments this design is promoted through, in order (`[dev, staging, prod]`); see `dayops promote`. */
    promotion: z
      .array(z.enum(ENVIRONMENTS))
      .min(2, 'a promotion pipeline needs at least two environments')
      .refine((l) => new Set(l).size === l.length, 'names an environment twice')
      .optional(),
  })
  .strict();

/** The blueprint schema; a blueprint without a state backend gets its cloud's default. */
export const blueprintSchema = blueprintObject.transform((bp) => ({
  ...bp,
  iac: { ...bp.iac, backend: bp.iac.backend ?? DEFAULT_BACKEND[bp.provider.cloud] },
}));

export type Blueprint = z.infer<typeof blueprintSchema>;
export type NodePool = Blueprint['cluster']['nodePools'][number];
export type Subnet = Blueprint['network']['subnets'][number];
export type FirewallRule = Blueprint['network']['firewall'][number];
export type StorageClass = Blueprint['storage']['classes'][number];
export type Database = Blueprint['storage']['databases'][number];
export type RbacBinding = Blueprint['security']['rbac'][number];

export function parseBlueprint(text: string, file: string): Blueprint {
  return parseYaml(text, file, blueprintSchema);
}

export function readBlueprint(path: string): Blueprint {
  return readYamlFile(path, blueprintSchema);
}

/** The compliance regimes of a design that demand protected, encrypted, audited data (HIPAA, PCI-DSS). */
export function regulatedBy(bp: Blueprint): ('HIPAA' | 'PCI-DSS')[] {
  return bp.security.compliance
    .filter((c) => c === 'hipaa' || c === 'pci-dss')
    .map((c) => (c === 'hipaa' ? 'HIPAA' : 'PCI-DSS'));
}

/** A database's protections as the design asks for them, with the documented defaults for absent fields. */
export function databaseSettings(
  bp: Blueprint,
  d: Database,
): { highAvailability: boolean; deletionProtection: boolean; finalSnapshot: boolean } {
  const prod = bp.metadata.environment === 'prod';
  const protect = prod || regulatedBy(bp).length > 0;
  return {
    highAvailability: d.highAvailability ?? prod,
    deletionProtection: d.deletionProtection ?? protect,
    finalSnapshot: d.finalSnapshot ?? protect,
  };
}
