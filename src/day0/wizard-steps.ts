/**
 * The Day-0 wizard's model, free of React: the steps a team goes through when it plans a cloud-native system,
 * their fields and lists, and the rows a step shows. The store (store/wizard.ts) moves through these rows; the
 * components draw them. The parts live in src/day0/wizard/: the field model (fields.ts), the steps
 * (steps-platform.ts, steps-operations.ts, in order in steps.ts) and the rows (rows.ts).
 */
export * from './wizard/fields.js';
export * from './wizard/rows.js';
export { STEPS, REVIEW_STEP, findList, stepIndex } from './wizard/steps.js';
export { freeSubnet, switchEnvironment, switchRegion } from './wizard/steps-platform.js';
