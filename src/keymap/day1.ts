import type { KeyContext } from './types.js';

/** Day-1 views' bindings, one context per view or dialog. */
export const DAY1: KeyContext[] = [];
