import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

/** The Day-1 views's UI state. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Day1Slice {}

export const createDay1Slice: StateCreator<AppState, [], [], Day1Slice> = () => ({});
