/**
 * `promotesFrom:` in dayops.yaml (issue 12): the stack this one is promoted from, one environment up the
 * pipeline (`dayops promote STACK --to ENV` runs this stack at the revision that last succeeded there).
 *
 * ```yaml
 * name: shop-prod
 * environment: prod
 * promotesFrom: shop-staging
 * ```
 */
import { z } from 'zod';
import { STACK_NAME_RE } from '../domain/stack.js';

export const promotesFromSchema = z
  .string()
  .regex(STACK_NAME_RE, 'must be the name of the stack this one is promoted from (lowercase letters, digits, dashes)')
  .optional();
