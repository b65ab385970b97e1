/** The demo's seed data: each designed stack, what it shows, and the history it is filled with. */
import type { Cloud } from '../day0/blueprint.js';
import { AlertsRepo } from '../db/alerts.js';
import { type DB } from '../db/open.js';
import type { PolicyResult } from '../domain/policies.js';
import type { Environment } from '../domain/stack.js';
import { acceptDrift, snoozeDrift } from '../day2/drift.js';
import { acknowledge } from '../day2/alerts.js';
import { previousSlot } from '../day2/configs.js';
import { DAY, HOUR, MIN, change, hex, insertRun, plan, type Designed } from './history.js';
import { alert, driftCheck, insertAlerts, insertBackups, pick, snapshots } from './records.js';
import { DEMO_ALERTMANAGER } from './workspace.js';

// ---------------------------------------------------------------------------------------------------------------
// The stacks

/** The drift schedule of the demo designs (the Day-0 default). */
const DRIFT_SCHEDULE = '0 */6 * * *';

/**
 * Minutes ago for a drift check that should count as fresh: after the schedule's newest slot, so the dashboard
 * does not call it overdue (capped at `min`).
 */
function fresh(min: number, now: number): number {
  const slot = previousSlot(DRIFT_SCHEDULE, now);
  const since = slot === null ? min : (now - slot) / MIN;
  return Math.max(0.5, Math.min(min, since - 1));
}

interface Spec {
  name: string;
  cloud: Cloud;
  env: Environment;
  shows: string;
  fill(db: DB, d: Designed, now: number): void;
}

const APPROVE_SG = (addr: string): PolicyResult[] => [
  {
    name: 'no-ssh-rdp-from-internet',
    kind: 'deny',
    fired: true,
    source: 'default',
    message: `Close SSH/RDP to the internet: port 22 or 3389 is open to 0.0.0.0/0 or ::/0 in ["${addr}"]; allow only your VPN or bastion ranges (or use SSM, IAP or Azure Bastion)`,
  },
  {
    name: 'deletes-need-second-approver',
    kind: 'require_approvals',
    approvals: 2,
    fired: false,
    source: 'default',
    message: 'Get a second approver: this plan deletes or replaces …',
  },
];

export const SPECS: Spec[] = [
  {
    name: 'shop-prod',
    cloud: 'aws',
    env: 'prod',
    shows: 'drifted 2 (1 more accepted), 1 critical and 2 warning alerts (1 acknowledged), backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      const pool = pick(a, /node_group|node_pool/, 3);
      const sg = pick(a, /security_group|firewall/, 2);
      const bucket = pick(a, /aws_vpc\.|compute_network\.|virtual_network\./, 4);
      insertRun(
        db,
        d,
        {
          startedAgo: 3 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'alice',
          approvers: ['bob'],
          plan: plan(a.slice(0, 12).map((x) => change(x, 'create'))),
          comment: 'first deploy of the shop',
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 26 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'bob',
          approvers: ['alice'],
          plan: plan([
            change(
              pool,
              'update',
              { scaling_config: { desired_size: 3, max_size: 5 } },
              { scaling_config: { desired_size: 4, max_size: 6 } },
            ),
          ]),
          comment: 'more capacity for the sale',
        },
        now,
      );
      driftCheck(db, d, fresh(45, now), now, [
        change(pool, 'update', { scaling_config: { desired_size: 4 } }, { scaling_config: { desired_size: 7 } }),
        change(
          sg,
          'update',
          { ingress: [{ from_port: 443, cidr_blocks: ['0.0.0.0/0'] }] },
          {
            ingress: [
              { from_port: 443, cidr_blocks: ['0.0.0.0/0'] },
              { from_port: 8080, cidr_blocks: ['10.0.0.0/8'] },
            ],
          },
        ),
        change(bucket, 'update', { tags: { team: 'shop' } }, { tags: { team: 'shop', 'cost-center': 'cc-1042' } }),
      ]);
      acceptDrift(
        db,
        d.stack.id,
        bucket,
        'Tagged by the FinOps team; keep until the tagging policy is in the code',
        'alice',
        now - (fresh(45, now) / 2) * MIN,
      );
      const alerts = [
        alert('shop-prod', 'KubeNodeNotReady', 'critical', 38, now, {
          labels: {
            node: 'ip-10-0-3-17.eu-central-1.compute.internal',
            namespace: 'kube-system',
            instance: '10.0.3.17:9100',
          },
          summary: 'Node ip-10-0-3-17 has been unready for more than 15 minutes',
          description: 'The kubelet on ip-10-0-3-17 stopped posting its status; pods there are being evicted.',
        }),
        alert('shop-prod', 'HighRequestLatency', 'warning', 52, now, {
          labels: { service: 'checkout', namespace: 'shop', instance: '10.0.17.4:8080' },
          summary: 'checkout p95 latency is 412 ms (SLO: 300 ms)',
          description: 'The 95th percentile latency of checkout has been above 300 ms for 10 minutes.',
        }),
        alert('shop-prod', 'KubePodCrashLooping', 'warning', 95, now, {
          labels: { pod: 'cart-7d9f8b6c5d-x2l8q', namespace: 'shop', container: 'cart' },
          summary: 'Pod shop/cart-7d9f8b6c5d-x2l8q is crash looping',
          description: 'Container cart restarted 14 times in the last hour.',
        }),
      ];
      insertAlerts(db, d.stack, alerts, 12, now);
      acknowledge(db, d.stack, alerts[2].fingerprint, 'bob', 'looking at the cart OOMs', now - 60 * MIN);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('shop-prod', 18, 24, 60, now, ['terraform.tfstate', 'dayops.yaml', 'blueprint.yaml']),
          fetchedAgoMin: 20,
          backups: [
            { agoMin: 78, ok: true },
            { agoMin: 18, ok: true },
          ],
          restoreTests: [{ agoMin: 2 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'analytics-prod',
    cloud: 'gcp',
    env: 'prod',
    shows: 'in sync, a silenced warning and an info alert, backup late against its RPO, last restore test failed',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 30 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'carol',
          approvers: ['alice'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      driftCheck(db, d, fresh(130, now), now, []);
      const silenceId = `${hex('silence-analytics', 8)}-${hex('s1', 4)}-${hex('s2', 4)}-${hex('s3', 4)}-${hex('s4', 12)}`;
      insertAlerts(
        db,
        d.stack,
        [
          alert('analytics-prod', 'BigQuerySlotsExhausted', 'warning', 180, now, {
            labels: { project: 'analytics-prod', reservation: 'etl' },
            summary: 'The etl reservation used all its slots for 30 minutes',
            description: 'Queries queue behind the nightly backfill.',
            state: 'silenced',
            silencedBy: [silenceId],
          }),
          alert('analytics-prod', 'CertificateExpiresSoon', 'info', 2 * 24 * 60, now, {
            labels: { host: 'reports.example.com' },
            summary: 'The certificate of reports.example.com expires in 21 days',
            description: 'cert-manager will renew it 14 days before it expires.',
          }),
        ],
        12,
        now,
      );
      new AlertsRepo(db).addSilence({
        id: silenceId,
        stackId: d.stack.id,
        url: DEMO_ALERTMANAGER,
        matchers: [
          { name: 'alertname', value: 'BigQuerySlotsExhausted', isRegex: false, isEqual: true },
          { name: 'stack', value: 'analytics-prod', isRegex: false, isEqual: true },
        ],
        startsAt: now - 170 * MIN,
        endsAt: now + 10 * HOUR,
        createdBy: 'carol',
        comment: 'backfill until tonight, expected',
        kind: 'manual',
        scope: 'labels',
        fingerprint: null,
        runId: null,
        createdAt: now - 170 * MIN,
      });
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-prod', 190, 12, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [
            { agoMin: 190, ok: true },
            {
              agoMin: 130,
              ok: false,
              error:
                'Fatal: unable to open repository at ./backups/restic: repository is already locked by PID 3114 on build-7',
            },
            {
              agoMin: 70,
              ok: false,
              error:
                'Fatal: unable to open repository at ./backups/restic: repository is already locked by PID 3114 on build-7',
            },
          ],
          restoreTests: [
            {
              agoMin: 6 * 24 * 60,
              ok: false,
              error: 'restore test: 1 of 3 files differs from the snapshot (terraform.tfstate)',
            },
          ],
        },
        now,
      );
    },
  },
  {
    name: 'identity-prod',
    cloud: 'azure',
    env: 'prod',
    shows: 'the last drift check failed (state lock), no alerts, backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 5 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'alice',
          approvers: ['bob'],
          plan: plan(a.slice(0, 8).map((x) => change(x, 'create'))),
        },
        now,
      );
      driftCheck(db, d, 24 * 60, now, []);
      driftCheck(db, d, 70, now, [], 'plan-failed', {
        message: 'plan failed: tofu plan exited 1',
        lines: [
          'Error: Error acquiring the state lock',
          '',
          'Error message: state blob is already locked',
          'Lock Info:',
          `  ID:        ${hex('lock', 8)}-${hex('lock2', 4)}`,
          '  Path:      tfstate/identity-prod.tfstate',
          '  Operation: OperationTypeApply',
          '  Who:       dave@laptop-17',
        ],
      });
      insertAlerts(db, d.stack, [], 8, now);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('identity-prod', 12, 10, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 12, ok: true }],
          restoreTests: [{ agoMin: 4 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'shop-staging',
    cloud: 'aws',
    env: 'staging',
    shows: 'the last deploy failed during apply, drifted 3 (1 snoozed), a warning alert, no backup yet',
    fill(db, d, now) {
      const a = d.addresses;
      const pool = pick(a, /node_group/, 3);
      insertRun(
        db,
        d,
        {
          startedAgo: 2 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'bob',
          approvers: ['bob'],
          plan: plan(a.slice(0, 10).map((x) => change(x, 'create'))),
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 6 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'apply-failed',
          user: 'dave',
          approvers: ['dave'],
          plan: plan([
            change(
              pick(a, /subnet/, 1),
              'update',
              { tags: { tier: 'private' } },
              { tags: { tier: 'private', env: 'staging' } },
            ),
            change(pool, 'update', { instance_types: ['m6i.large'] }, { instance_types: ['m7i.large'] }),
          ]),
          failAt: pool,
          error: 'apply failed: tofu apply exited 1',
          errorLines: [
            `Error: updating EKS Node Group (${pool}): ResourceInUseException: Nodegroup cannot be updated as it is currently not in Active State`,
            '',
            `  with ${pool},`,
            '  on main.tf line 88, in resource "aws_eks_node_group" "system":',
          ],
        },
        now,
      );
      driftCheck(db, d, fresh(3 * 60, now), now, [
        change(
          pick(a, /security_group/, 2),
          'update',
          { description: 'cluster' },
          { description: 'cluster (edited in console)' },
        ),
        change(
          pick(a, /route_table|nat/, 5),
          'update',
          { tags: { Name: 'private' } },
          { tags: { Name: 'private-old' } },
        ),
        change(
          pick(a, /aws_eip|compute_address|public_ip/, 6),
          'update',
          { tags: { Name: 'nat' } },
          { tags: { Name: 'nat', owner: 'dave' } },
        ),
      ]);
      snoozeDrift(
        db,
        d.stack.id,
        pick(a, /aws_eip|compute_address|public_ip/, 6),
        now + 3 * DAY,
        'tagging convention under review (FIN-211)',
        'dave',
        now - 2 * HOUR,
      );
      insertAlerts(
        db,
        d.stack,
        [
          alert('shop-staging', 'KubeDeploymentReplicasMismatch', 'warning', 340, now, {
            labels: { deployment: 'checkout', namespace: 'shop' },
            summary: 'checkout has 1 of 3 replicas available',
            description: 'The node group update failed; pods are pending for want of nodes.',
          }),
        ],
        12,
        now,
      );
      insertBackups(
        db,
        d.stack,
        {
          snapshots: [],
          fetchedAgoMin: 20,
          backups: [
            {
              agoMin: 50,
              ok: false,
              error:
                'Fatal: repository does not exist: unable to open config file: stat ./backups/restic/config: no such file or directory',
            },
          ],
        },
        now,
      );
    },
  },
  {
    name: 'analytics-staging',
    cloud: 'gcp',
    env: 'staging',
    shows: 'the last deploy was denied by a policy (SSH open to the internet), an info alert, backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      const fw = pick(a, /firewall/, 2);
      insertRun(
        db,
        d,
        {
          startedAgo: 3 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'carol',
          approvers: ['carol'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      const checked = fresh(5 * 60, now);
      driftCheck(db, d, checked, now, []);
      insertRun(
        db,
        d,
        {
          startedAgo: Math.min(35, checked / 2),
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'denied',
          user: 'erin',
          plan: plan([
            change(
              fw,
              'update',
              { source_ranges: ['10.8.0.0/16'], allow: [{ ports: ['443'] }] },
              { source_ranges: ['0.0.0.0/0'], allow: [{ ports: ['443', '22'] }] },
            ),
          ]),
          policies: APPROVE_SG(fw),
          error: `denied by policy: no-ssh-rdp-from-internet: port 22 is open to 0.0.0.0/0 in ${fw}`,
        },
        now,
      );
      insertAlerts(
        db,
        d.stack,
        [
          alert('analytics-staging', 'DataflowJobLagging', 'info', 25, now, {
            labels: { job: 'events-ingest' },
            summary: 'events-ingest is 4 minutes behind',
            description: 'System lag above 3 minutes.',
          }),
        ],
        12,
        now,
      );
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-staging', 9, 8, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 9, ok: true }],
          restoreTests: [{ agoMin: 9 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'shop-dev',
    cloud: 'aws',
    env: 'dev',
    shows: 'designed but never deployed or checked: drift unknown, no backup yet',
    fill() {
      /* a fresh design: only the Day-0 audit entry */
    },
  },
  {
    name: 'analytics-dev',
    cloud: 'gcp',
    env: 'dev',
    shows: 'in sync and quiet; a discarded run; backups on time, never restore-tested',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 8 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'erin',
          approvers: ['erin'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 4 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'discarded',
          user: 'erin',
          approvers: ['erin'],
          comment: 'wrong branch',
          plan: plan([change(a[1] ?? a[0], 'delete')]),
        },
        now,
      );
      driftCheck(db, d, fresh(65, now), now, []);
      insertAlerts(db, d.stack, [], 12, now);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-dev', 22, 6, 60, now, ['terraform.tfstate', 'dayops.yaml', 'blueprint.yaml']),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 22, ok: true }],
        },
        now,
      );
    },
  },
];
