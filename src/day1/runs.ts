/** The Day-1 run service moved to src/day1/run-service/; this path keeps the importers that use it working. */
export * from './run-service/index.js';
