/** The drift repository moved to src/db/drift/ (the overview to src/db/overview.ts); this path keeps importers working. */
export * from './drift/index.js';
