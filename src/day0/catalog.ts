/**
 * What each cloud offers, as far as a design needs to know: regions (and which are in the EU), the managed
 * Kubernetes service, common instance types, storage types and the native secrets manager. The wizard offers
 * these as choices and defaults; the audit checks designs against them.
 */
import type { Cloud, DB_ENGINES, KubernetesService } from './blueprint.js';

export type DbEngine = (typeof DB_ENGINES)[number];

export interface Region {
  id: string;
  label: string;
  eu: boolean;
  zones: string[];
}

export interface CloudCatalog {
  cloud: Cloud;
  label: string;
  kubernetes: KubernetesService;
  kubernetesLabel: string;
  regions: Region[];
  defaultRegion: string;
  defaultSecondaryRegion: string;
  kubernetesVersions: string[];
  instanceTypes: { id: string; label: string }[];
  defaultInstanceType: string;
  batchInstanceType: string;
  storageTypes: { id: string; label: string }[];
  defaultStorageType: string;
  secretsManager: 'aws-secrets-manager' | 'azure-key-vault' | 'gcp-secret-manager';
  ingressDefault: 'nginx' | 'alb';
  /** Database engines the cloud offers as a managed service (the audit rejects the others). */
  databaseEngines: readonly DbEngine[];
}

function zones(region: string, suffixes: string[]): string[] {
  return suffixes.map((s) => `${region}${s}`);
}

// Zone letters as AWS lists them for the region (ap-northeast-1 has no 1b for new accounts, ca-central-1 no 1c).
const awsRegion = (id: string, label: string, eu: boolean, suffixes = ['a', 'b', 'c']): Region => ({
  id,
  label,
  eu,
  zones: zones(id, suffixes),
});
// Most Google Cloud regions have zones a, b and c; a few differ (europe-west1 and us-east1 have b, c, d).
const gcpRegion = (id: string, label: string, eu: boolean, suffixes = ['-a', '-b', '-c']): Region => ({
  id,
  label,
  eu,
  zones: zones(id, suffixes),
});
// Azure availability zones are numbered per region.
const azureRegion = (id: string, label: string, eu: boolean): Region => ({ id, label, eu, zones: ['1', '2', '3'] });

export const CATALOG: Record<Cloud, CloudCatalog> = {
  aws: {
    cloud: 'aws',
    label: 'Amazon Web Services',
    kubernetes: 'eks',
    kubernetesLabel: 'Amazon EKS',
    regions: [
      awsRegion('eu-west-1', 'Europe (Ireland)', true),
      awsRegion('eu-west-2', 'Europe (London)', false),
      awsRegion('eu-west-3', 'Europe (Paris)', true),
      awsRegion('eu-central-1', 'Europe (Frankfurt)', true),
      awsRegion('eu-north-1', 'Europe (Stockholm)', true),
      awsRegion('eu-south-1', 'Europe (Milan)', true),
      awsRegion('us-east-1', 'US East (N. Virginia)', false, ['a', 'b', 'c', 'd', 'e', 'f']),
      awsRegion('us-east-2', 'US East (Ohio)', false),
      awsRegion('us-west-1', 'US West (N. California)', false),
      awsRegion('us-west-2', 'US West (Oregon)', false),
      awsRegion('ca-central-1', 'Canada (Central)', false, ['a', 'b', 'd']),
      awsRegion('sa-east-1', 'South America (São Paulo)', false),
      awsRegion('ap-southeast-1', 'Asia Pacific (Singapore)', false),
      awsRegion('ap-southeast-2', 'Asia Pacific (Sydney)', false),
      awsRegion('ap-northeast-1', 'Asia Pacific (Tokyo)', false, ['a', 'c', 'd']),
      awsRegion('ap-south-1', 'Asia Pacific (Mumbai)', false),
    ],
    defaultRegion: 'eu-west-1',
    defaultSecondaryRegion: 'eu-central-1',
    kubernetesVersions: ['1.32', '1.31', '1.30'],
    instanceTypes: [
      { id: 'm6i.large', label: 'm6i.large (2 vCPU, 8 GiB)' },
      { id: 'm6i.xlarge', label: 'm6i.xlarge (4 vCPU, 16 GiB)' },
      { id: 'm6i.2xlarge', label: 'm6i.2xlarge (8 vCPU, 32 GiB)' },
      { id: 'c6i.2xlarge', label: 'c6i.2xlarge (8 vCPU, 16 GiB)' },
      { id: 'r6i.xlarge', label: 'r6i.xlarge (4 vCPU, 32 GiB)' },
      { id: 't3.medium', label: 't3.medium (2 vCPU, 4 GiB, burstable)' },
    ],
    defaultInstanceType: 'm6i.large',
    batchInstanceType: 'c6i.2xlarge',
    storageTypes: [
      { id: 'gp3', label: 'gp3 (general purpose SSD)' },
      { id: 'io2', label: 'io2 (provisioned IOPS SSD)' },
      { id: 'st1', label: 'st1 (throughput HDD)' },
    ],
    defaultStorageType: 'gp3',
    secretsManager: 'aws-secrets-manager',
    ingressDefault: 'nginx',
    databaseEngines: ['postgres', 'mysql', 'mariadb', 'sqlserver', 'redis'],
  },
  azure: {
    cloud: 'azure',
    label: 'Microsoft Azure',
    kubernetes: 'aks',
    kubernetesLabel: 'Azure Kubernetes Service (AKS)',
    regions: [
      azureRegion('westeurope', 'West Europe (Netherlands)', true),
      azureRegion('northeurope', 'North Europe (Ireland)', true),
      azureRegion('germanywestcentral', 'Germany West Central', true),
      azureRegion('francecentral', 'France Central', true),
      azureRegion('swedencentral', 'Sweden Central', true),
      azureRegion('uksouth', 'UK South', false),
      azureRegion('eastus', 'East US', false),
      azureRegion('eastus2', 'East US 2', false),
      azureRegion('westus2', 'West US 2', false),
      azureRegion('centralus', 'Central US', false),
      azureRegion('canadacentral', 'Canada Central', false),
      azureRegion('southeastasia', 'Southeast Asia', false),
      azureRegion('australiaeast', 'Australia East', false),
      azureRegion('japaneast', 'Japan East', false),
    ],
    defaultRegion: 'westeurope',
    defaultSecondaryRegion: 'northeurope',
    kubernetesVersions: ['1.32', '1.31', '1.30'],
    instanceTypes: [
      { id: 'Standard_D4s_v5', label: 'Standard_D4s_v5 (4 vCPU, 16 GiB)' },
      { id: 'Standard_D2s_v5', label: 'Standard_D2s_v5 (2 vCPU, 8 GiB)' },
      { id: 'Standard_D8s_v5', label: 'Standard_D8s_v5 (8 vCPU, 32 GiB)' },
      { id: 'Standard_F8s_v2', label: 'Standard_F8s_v2 (8 vCPU, 16 GiB)' },
      { id: 'Standard_E4s_v5', label: 'Standard_E4s_v5 (4 vCPU, 32 GiB)' },
    ],
    defaultInstanceType: 'Standard_D4s_v5',
    batchInstanceType: 'Standard_F8s_v2',
    storageTypes: [
      { id: 'Premium_LRS', label: 'Premium_LRS (premium SSD)' },
      { id: 'StandardSSD_LRS', label: 'StandardSSD_LRS (standard SSD)' },
      { id: 'PremiumV2_LRS', label: 'PremiumV2_LRS (premium SSD v2)' },
    ],
    defaultStorageType: 'Premium_LRS',
    secretsManager: 'azure-key-vault',
    ingressDefault: 'nginx',
    databaseEngines: ['postgres', 'mysql', 'sqlserver', 'redis'],
  },
  gcp: {
    cloud: 'gcp',
    label: 'Google Cloud',
    kubernetes: 'gke',
    kubernetesLabel: 'Google Kubernetes Engine (GKE)',
    regions: [
      gcpRegion('europe-west1', 'Belgium', true, ['-b', '-c', '-d']),
      gcpRegion('europe-west3', 'Frankfurt', true),
      gcpRegion('europe-west4', 'Netherlands', true),
      gcpRegion('europe-west9', 'Paris', true),
      gcpRegion('europe-north1', 'Finland', true),
      gcpRegion('europe-west2', 'London', false),
      gcpRegion('us-central1', 'Iowa', false, ['-a', '-b', '-c', '-f']),
      gcpRegion('us-east1', 'South Carolina', false, ['-b', '-c', '-d']),
      gcpRegion('us-east4', 'Northern Virginia', false),
      gcpRegion('us-west1', 'Oregon', false),
      gcpRegion('northamerica-northeast1', 'Montréal', false),
      gcpRegion('asia-southeast1', 'Singapore', false),
      gcpRegion('asia-northeast1', 'Tokyo', false),
      gcpRegion('australia-southeast1', 'Sydney', false),
    ],
    defaultRegion: 'europe-west1',
    defaultSecondaryRegion: 'europe-west4',
    kubernetesVersions: ['1.32', '1.31', '1.30'],
    instanceTypes: [
      { id: 'e2-standard-4', label: 'e2-standard-4 (4 vCPU, 16 GiB)' },
      { id: 'n2-standard-2', label: 'n2-standard-2 (2 vCPU, 8 GiB)' },
      { id: 'n2-standard-4', label: 'n2-standard-4 (4 vCPU, 16 GiB)' },
      { id: 'n2-standard-8', label: 'n2-standard-8 (8 vCPU, 32 GiB)' },
      { id: 'c2-standard-8', label: 'c2-standard-8 (8 vCPU, 32 GiB, compute)' },
    ],
    defaultInstanceType: 'e2-standard-4',
    batchInstanceType: 'c2-standard-8',
    storageTypes: [
      { id: 'pd-balanced', label: 'pd-balanced (balanced persistent disk)' },
      { id: 'pd-ssd', label: 'pd-ssd (SSD persistent disk)' },
      { id: 'pd-standard', label: 'pd-standard (HDD persistent disk)' },
    ],
    defaultStorageType: 'pd-balanced',
    secretsManager: 'gcp-secret-manager',
    ingressDefault: 'nginx',
    databaseEngines: ['postgres', 'mysql', 'sqlserver', 'redis'],
  },
};

export function regionOf(cloud: Cloud, id: string): Region | undefined {
  return CATALOG[cloud].regions.find((r) => r.id === id);
}

/** The cloud a managed Kubernetes service belongs to. */
export const KUBERNETES_CLOUD: Record<KubernetesService, Cloud> = { eks: 'aws', aks: 'azure', gke: 'gcp' };
