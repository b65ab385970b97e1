import { binding, keyLabel } from '../../src/keymap/index.js';

/**
 * A command's keys as the wizard's texts name them, from the keymap (never typed into a string): the first key,
 * or the first `n` joined with "/" as the footer writes them.
 */
export function keys(id: string, n = 1): string {
  return binding(id).keys.slice(0, n).map(keyLabel).join('/');
}
