/**
 * Work the app does once at start-up, after the database is open and before the first frame: recovering runs
 * a crashed dayops left behind, starting the Day-2 scheduler, and so on. Each area adds its hook here.
 */
import type { AppStore } from '../store/index.js';
import type { Services } from './services.js';

export type StartupHook = (services: Services, store: AppStore) => void;

export const startupHooks: StartupHook[] = [];
