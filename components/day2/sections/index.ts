/**
 * The detail sections of a stack as lists of items, React-free: each item is one line of spans (word + symbol +
 * tone, readable without colour) and a longer description (the side panel, or the lines under the list on a
 * narrow terminal). Also the header lines of each section and the alert detail with "what changed before".
 *
 * Split: items.ts (lines, items, wrapping), item-line.ts (an item's one line), detail.ts (an item's and an
 * alert's detail), header.ts (a section's header lines), summary.ts (a stack's summary).
 */
export { type Line, line, spans, type Item, itemsOf, wrapLines } from './items.js';
export { itemLine } from './item-line.js';
export { itemDetail, alertLines, changesLines, fieldLines, openItemLines } from './detail.js';
export { sectionHeader } from './header.js';
export { stackSummaryLines } from './summary.js';
