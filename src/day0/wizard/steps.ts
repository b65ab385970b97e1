/**
 * The steps a team goes through when it plans a cloud-native system, in order, and the review at the end.
 */
import type { ListField, Step } from './fields.js';
import { STORAGE, CICD, SECURITY, SUCCESS, DAY2 } from './steps-operations.js';
import { BASICS, PROVIDER, CLUSTER, NETWORK } from './steps-platform.js';

const REVIEW: Step = {
  id: 'review',
  title: 'Review & write',
  intro: 'The whole design, its audit, and where the files go.',
  fields: [],
};

export const STEPS: Step[] = [BASICS, PROVIDER, CLUSTER, NETWORK, STORAGE, CICD, SECURITY, SUCCESS, DAY2, REVIEW];

export const REVIEW_STEP = STEPS.length - 1;

export function stepIndex(id: string): number {
  return STEPS.findIndex((s) => s.id === id);
}

export function findList(id: string): { step: number; list: ListField } | undefined {
  for (let s = 0; s < STEPS.length; s++) {
    const list = STEPS[s].fields.find((f): f is ListField => f.kind === 'list' && f.id === id);
    if (list) return { step: s, list };
  }
  return undefined;
}
