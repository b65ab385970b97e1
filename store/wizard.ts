import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

/** The Day-0 wizard's UI state. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WizardSlice {}

export const createWizardSlice: StateCreator<AppState, [], [], WizardSlice> = () => ({});
