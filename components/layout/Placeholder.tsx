import { Box } from 'ink';
import { Text } from './Text.js';
import { theme } from '../theme.js';

/** A view whose work has not landed yet says what will be there. */
export function Placeholder({
  title,
  lines,
  width,
  height,
}: {
  title: string;
  lines: string[];
  width: number;
  height: number;
}) {
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold>{title}</Text>
      {lines.map((l, i) => (
        <Text key={i} color={theme.text.secondary}>
          {l}
        </Text>
      ))}
    </Box>
  );
}
