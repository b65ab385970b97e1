import { useEffect } from 'react';
import { useAppStoreApi } from '../../store/index.js';

/**
 * Declare which key contexts are live while this component has focus (most specific first). The footer and the
 * help screen show them; pass `active: false` from a component that is mounted but not focused.
 */
export function useKeyContexts(ids: string[], active = true): void {
  const store = useAppStoreApi();
  const key = ids.join(',');
  useEffect(() => {
    if (active) store.getState().setKeyContexts(key ? key.split(',') : []);
  }, [key, active, store]);
}
