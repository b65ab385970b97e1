/**
 * Words and symbols for Day-2 figures, readable without colour: every status has a symbol and a word, and the
 * colour (a theme tone) only repeats it. Ages are compact ("45s", "12m", "5h", "3d").
 */
export type Tone = 'ok' | 'warning' | 'error' | 'info' | 'running' | 'muted' | 'accent' | undefined;

export interface Cell {
  text: string;
  tone: Tone;
}

export const SYMBOL = {
  ok: '✓',
  warning: '!',
  error: '✗',
  unknown: '?',
  running: '…',
  none: '–',
  stale: '⚠',
  paused: '⏸',
} as const;

/** "now", "45s", "12m", "5h", "3d", "8w" for a duration in milliseconds. */
export function compactDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 5) return 'now';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 14) return `${d}d`;
  return `${Math.floor(d / 7)}w`;
}

/** "12m ago", "now" for a past time; "never" for null. */
export function ago(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never';
  const d = compactDuration(now - at);
  return d === 'now' ? 'now' : `${d} ago`;
}

/** Minutes as "45m", "1h", "1h30m", "2d". */
export function minutes(m: number): string {
  if (m < 60) return `${Math.round(m)}m`;
  if (m < 48 * 60) {
    const h = Math.floor(m / 60);
    const r = Math.round(m - h * 60);
    return r ? `${h}h${r}m` : `${h}h`;
  }
  return `${Math.round(m / 1440)}d`;
}

/** Local date and time, "2025-01-31 14:05". */
export function localTime(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * A duration typed by an operator: `90m`, `4h`, `2d`, `1w`, `1h30m` (units m, h, d, w). Returns milliseconds, or
 * null when it is not one.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, '');
  if (!t || !/^(\d+(\.\d+)?[mhdw])+$/.test(t)) return null;
  const unit: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([mhdw])/g)) total += Number(m[1]) * unit[m[2]];
  return total > 0 ? total : null;
}

/**
 * A time in the future typed by an operator: a duration from now (`4h`, `2d`), or a local date and time
 * (`2025-07-01 09:00`, `2025-07-01`, which means 00:00). Returns epoch ms, or a one-line reason.
 */
export function parseUntil(text: string, now: number): { at: number } | { error: string } {
  const d = parseDuration(text);
  if (d !== null) return { at: now + d };
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text.trim());
  if (m) {
    const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)).getTime();
    if (Number.isNaN(at)) return { error: `"${text}" is not a date` };
    if (at <= now) return { error: `${localTime(at)} is not in the future` };
    return { at };
  }
  return { error: `"${text}" is neither a duration (4h, 2d, 1w) nor a date (2025-07-01 09:00)` };
}
