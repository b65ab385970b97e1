/**
 * The app's `Text`: Ink's, with every string in it sanitised (src/terminal/sanitize.ts) so that text from outside
 * (a tool's log, a plan address, a diagnostic, an error, a path, an alert's labels) never drives the terminal.
 * Colour codes stay when colour is on. Components import this `Text`, never Ink's (eslint says so).
 */
import { Text as InkText, type TextProps } from 'ink';
import type { ReactNode } from 'react';
import { sanitize } from '../../src/terminal/sanitize.js';
import { theme } from '../theme.js';

function safe(node: ReactNode): ReactNode {
  // sanitize returns the string itself when it holds nothing to act on (its own fast path).
  if (typeof node === 'string') return sanitize(node, { colour: theme.color });
  if (Array.isArray(node)) return node.map(safe);
  return node;
}

export function Text({ children, ...props }: TextProps) {
  return <InkText {...props}>{safe(children)}</InkText>;
}
