import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

/** The Day-2 dashboard's UI state. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Day2Slice {}

export const createDay2Slice: StateCreator<AppState, [], [], Day2Slice> = () => ({});
