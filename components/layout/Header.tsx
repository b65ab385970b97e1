import { Box } from 'ink';
import stringWidth from 'string-width';
import { Text } from './Text.js';
import { useAppStore } from '../../store/index.js';
import { VIEWS, type View } from '../../store/ui.js';
import { theme } from '../theme.js';

export const VIEW_TITLES: Record<View, { key: string; short: string; long: string }> = {
  day0: { key: '1', short: 'Design', long: 'Day-0 · Design' },
  day1: { key: '2', short: 'Deploy', long: 'Day-1 · Deploy' },
  day2: { key: '3', short: 'Operate', long: 'Day-2 · Operate' },
};

export interface HeaderParts {
  brand: boolean;
  titles: 'long' | 'short';
  readonly: string;
  /** Team mode: who you are and on which database ("alice · operator · postgres://..."), shortened or ''. */
  team: string;
  /** "stack " before the name, or nothing. */
  stackWord: boolean;
  /** The stack's name as shown (cut with … when nothing else gives room). */
  name: string;
  environment: boolean;
}

const tabText = (v: View, titles: 'long' | 'short') => `${VIEW_TITLES[v].key} ${VIEW_TITLES[v][titles]}`;

/** Columns the header takes with these parts (each tab has a space either side, or brackets without colour). */
export function headerWidth(p: HeaderParts, stack: { name: string; environment: string } | null): number {
  const tabs = VIEWS.reduce((n, v) => n + stringWidth(tabText(v, p.titles)) + 2, 0);
  const left = (p.brand ? stringWidth('dayops ') : 0) + tabs;
  const right =
    stringWidth(p.team) +
    stringWidth(p.readonly) +
    (stack
      ? (p.stackWord ? stringWidth('stack ') : 0) +
        stringWidth(p.name) +
        (p.environment ? stringWidth(` (${stack.environment})`) : 0)
      : 0);
  // At least one space between the tabs and what is on the right.
  return left + (right ? right + 1 : 0);
}

/**
 * What the header shows at this width, giving up the least useful first: long day titles, then the word "stack",
 * the long read-only mark, the brand, the environment (prod stays: it is a warning), and last the end of the
 * stack's name. Nothing ever overlaps or wraps.
 */
export function headerParts(
  width: number,
  readonly: boolean,
  stack: { name: string; environment: string } | null,
  team?: TeamIdentity,
): HeaderParts {
  const teamText = (level: 0 | 1 | 2 | 3) =>
    !team || level === 3
      ? ''
      : level === 0
        ? `${team.user} · ${team.role} · ${team.url} `
        : level === 1
          ? `${team.user} · ${team.role} `
          : `${team.user} `;
  const p: HeaderParts = {
    brand: true,
    titles: width >= 100 ? 'long' : 'short',
    readonly: readonly ? '[read-only] ' : '',
    team: teamText(0),
    stackWord: true,
    name: stack?.name ?? '',
    environment: true,
  };
  const fits = () => headerWidth(p, stack) <= width;
  const steps: (() => void)[] = [
    () => (p.team = teamText(1)),
    () => (p.titles = 'short'),
    () => (p.stackWord = false),
    () => (p.readonly = readonly ? '[ro] ' : ''),
    () => (p.brand = false),
    () => (p.environment = stack?.environment === 'prod'),
    () => (p.team = teamText(2)),
    () => (p.team = teamText(3)),
  ];
  for (const step of steps) {
    if (fits()) return p;
    step();
  }
  if (!fits() && stack) {
    const over = headerWidth(p, stack) - width;
    const keep = Math.max(1, stringWidth(p.name) - over - 1);
    let cut = '';
    for (const ch of p.name) {
      if (stringWidth(cut + ch) > keep) break;
      cut += ch;
    }
    p.name = `${cut}…`;
  }
  return p;
}

/** Team mode: the acting user, the role's short name, and the database's URL without its password. */
export interface TeamIdentity {
  user: string;
  role: string;
  url: string;
}

/** Which day, which stack; in team mode who you are and on which database. */
export function Header({ width, readonly, team }: { width: number; readonly: boolean; team?: TeamIdentity }) {
  const view = useAppStore((s) => s.view);
  const stack = useAppStore((s) => s.currentStack);
  const p = headerParts(width, readonly, stack, team);
  return (
    <Box width={width} height={1} flexShrink={0} overflow="hidden">
      <Box flexShrink={0}>
        {p.brand ? (
          <Text bold color={theme.text.accent}>
            dayops{' '}
          </Text>
        ) : null}
        {VIEWS.map((v) => {
          const text = tabText(v, p.titles);
          // Without colour the current day is also marked by brackets.
          const label = v === view && !theme.color ? `[${text}]` : ` ${text} `;
          return v === view ? (
            <Text key={v} inverse bold>
              {label}
            </Text>
          ) : (
            <Text key={v} color={theme.text.secondary}>
              {label}
            </Text>
          );
        })}
      </Box>
      <Box flexGrow={1} />
      <Box flexShrink={0}>
        {p.team ? <Text color={theme.text.secondary}>{p.team}</Text> : null}
        {p.readonly ? <Text color={theme.status.warning}>{p.readonly}</Text> : null}
        {stack ? (
          <Text wrap="truncate">
            {p.stackWord ? 'stack ' : ''}
            <Text bold>{p.name}</Text>
            {p.environment ? (
              <Text color={stack.environment === 'prod' ? theme.status.error : theme.text.secondary}>
                {` (${stack.environment})`}
              </Text>
            ) : null}
          </Text>
        ) : null}
      </Box>
    </Box>
  );
}
