/**
 * How Day-1 shows runs and changes: a state is a symbol AND a word (readable without colour), coloured by the
 * theme's tokens; a change is Terraform's symbol (+ ~ -/+ - <= →, ⇐ import, . forget) and its action; durations are
 * short.
 */
import type { RunState } from '../../src/day1/runner/state.js';
import { runKindName, stateText } from '../../src/domain/run-words.js';
import type { ApplyStatus, ChangeAction, HostTaskStatus } from '../../src/domain/plan.js';
import stringWidth from 'string-width';
import { fit as fitColumns } from '../day2/format.js';
import { theme } from '../theme.js';

/** Symbols and words of runs come from the one vocabulary (src/domain/run-words.ts). */
export { STATE_SYMBOL } from '../../src/domain/run-words.js';

/** The theme colour of a state. */
export function stateColor(state: RunState): string | undefined {
  switch (state) {
    case 'QUEUED':
    case 'INITIALIZING':
    case 'PLANNING':
    case 'APPLYING':
    case 'VALIDATING':
      return theme.status.running;
    case 'UNCONFIRMED':
      return theme.status.warning;
    case 'FINISHED':
      return theme.status.ok;
    case 'FAILED':
    case 'POLICY_DENIED':
      return theme.status.error;
    default:
      return theme.status.muted;
  }
}

/** `◆ UNCONFIRMED`; `DENIED` for POLICY_DENIED where room is short. */
export const stateLabel = stateText;

/** `tracked`, `proposed`, `drift` or `remediation`: the run's `kindName`, as `--json` and `dayops runs` say it. */
export const kindLabel = runKindName;

/** 4s, 1m05s, 2h03m. */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** "12:04" today, "03-14 12:04" otherwise. */
export function formatWhen(at: number, now = Date.now()): string {
  const d = new Date(at);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return hm;
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${hm}`;
}

export const CHANGE_SYMBOL: Record<ChangeAction, string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  read: '<=',
  move: '→',
  import: '⇐',
  forget: '.',
  'no-op': ' ',
};

export function changeColor(action: ChangeAction): string | undefined {
  switch (action) {
    case 'create':
      return theme.status.ok;
    case 'update':
    case 'move':
    case 'import':
    case 'forget':
      return theme.status.warning;
    case 'replace':
    case 'delete':
      return theme.status.error;
    default:
      return theme.text.secondary;
  }
}

export function hostStatusColor(status: HostTaskStatus | ApplyStatus | undefined): string | undefined {
  switch (status) {
    case 'ok':
    case 'applied':
      return theme.status.ok;
    case 'changed':
      return theme.status.warning;
    case 'failed':
    case 'unreachable':
    case 'interrupted':
      return theme.status.error;
    default:
      return theme.text.secondary;
  }
}

/** Cut to `width` columns with an ellipsis; pad to it when `pad`. */
export function fit(text: string, width: number, pad = true): string {
  if (width <= 0) return '';
  // Terminal columns (a CJK stack name or emoji takes two): the cut and the padding keep columns aligned.
  if (stringWidth(text) <= width) return pad ? text + ' '.repeat(width - stringWidth(text)) : text;
  return fitColumns(text, width);
}
