/** The runs repository moved to src/db/runs/; this path keeps the importers that use it working. */
export * from './runs/index.js';
