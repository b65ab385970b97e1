import type { KeyContext } from './types.js';

/** Day-0 views' bindings, one context per view or dialog. */
export const DAY0: KeyContext[] = [];
