import { Box } from 'ink';
import { Text } from './Text.js';
import { useAppStore } from '../../store/index.js';
import { VIEWS, type View } from '../../store/ui.js';
import { theme } from '../theme.js';

export const VIEW_TITLES: Record<View, { key: string; short: string; long: string }> = {
  day0: { key: '1', short: 'Design', long: 'Day-0 · Design' },
  day1: { key: '2', short: 'Deploy', long: 'Day-1 · Deploy' },
  day2: { key: '3', short: 'Operate', long: 'Day-2 · Operate' },
};

/** Which day, which stack. */
export function Header({ width, readonly }: { width: number; readonly: boolean }) {
  const view = useAppStore((s) => s.view);
  const stack = useAppStore((s) => s.currentStack);
  const wide = width >= 100;
  return (
    <Box width={width} flexShrink={0}>
      <Text bold color={theme.text.accent}>
        dayops
      </Text>
      <Text> </Text>
      {VIEWS.map((v) => {
        const t = VIEW_TITLES[v];
        const text = `${t.key} ${wide ? t.long : t.short}`;
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
      <Box flexGrow={1} />
      {readonly ? <Text color={theme.status.warning}>[read-only] </Text> : null}
      {stack ? (
        <Text>
          stack <Text bold>{stack.name}</Text>
          <Text color={stack.environment === 'prod' ? theme.status.error : theme.text.secondary}>
            {' '}
            ({stack.environment})
          </Text>
        </Text>
      ) : null}
    </Box>
  );
}
