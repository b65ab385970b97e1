import type { KeyContext } from './types.js';

/** Day-2 views' bindings, one context per view or dialog. */
export const DAY2: KeyContext[] = [];
