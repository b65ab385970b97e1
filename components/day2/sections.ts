/** The Day-2 detail sections moved to components/day2/sections/; this path keeps the importers that use it working. */
export * from './sections/index.js';
