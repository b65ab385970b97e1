/** Day-2 backups moved to src/day2/backups/; this path keeps the importers that use it working. */
export * from './backups/index.js';
