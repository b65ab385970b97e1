/**
 * One vanilla zustand store built from typed slices. React reads it with `useAppStore(selector)`; non-React code
 * (pollers, the runner's listeners) uses `getState`/`setState`/`subscribe`. Tests build a fresh store each time.
 */
import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import { createUiSlice, type UiSlice } from './ui.js';
import { createWizardSlice, type WizardSlice } from './wizard.js';
import { createDay1Slice, type Day1Slice } from './day1.js';
import { createDay2Slice, type Day2Slice } from './day2.js';

export type AppState = UiSlice & WizardSlice & Day1Slice & Day2Slice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(initial: Partial<AppState> = {}): AppStore {
  const store = createStore<AppState>()((...a) => ({
    ...createUiSlice(...a),
    ...createWizardSlice(...a),
    ...createDay1Slice(...a),
    ...createDay2Slice(...a),
  }));
  if (Object.keys(initial).length) store.setState(initial);
  return store;
}

export const StoreContext = createContext<AppStore | null>(null);

export function useAppStoreApi(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return store;
}

export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStoreApi(), selector);
}
