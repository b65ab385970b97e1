import { createContext, useContext } from 'react';
import type { Services } from '../src/services.js';

export const ServicesContext = createContext<Services | null>(null);

/** The database and long-lived services, for views that load data or start work. */
export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside <ServicesContext.Provider>');
  return s;
}
