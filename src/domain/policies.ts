/** Day-1 policies moved to src/domain/policies/; this path keeps the importers that use it working. */
export * from './policies/index.js';
