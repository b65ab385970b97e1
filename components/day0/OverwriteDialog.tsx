/**
 * Writing would overwrite files the team edited since dayops wrote them: list them and ask. Only typing "yes"
 * overwrites; Esc writes nothing and keeps them.
 */
import { Box, Text } from 'ink';
import type { WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { MARK } from './rows.js';
import { TextFieldView } from './TextField.js';
import { Wrapped } from './Wrapped.js';

export function OverwriteDialog({ w, width, height }: { w: WizardState; width: number; height: number }) {
  const room = Math.max(1, height - 9);
  const shown = w.refused.slice(0, room);
  const hidden = w.refused.length - shown.length;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={theme.status.warning}
      paddingX={1}
      overflow="hidden"
    >
      <Text bold color={theme.status.warning} wrap="truncate">
        {`${MARK.warning} ${w.refused.length} file${w.refused.length === 1 ? ' was' : 's were'} edited since dayops wrote ${w.refused.length === 1 ? 'it' : 'them'}; writing would overwrite:`}
      </Text>
      {shown.map((f) => (
        <Text key={f} wrap="truncate">
          {'  '}
          {MARK.error} {f}
        </Text>
      ))}
      {hidden > 0 ? <Text color={theme.text.secondary}>{`  … and ${hidden} more`}</Text> : null}
      <Text> </Text>
      <Wrapped
        width={width - 4}
        text="Nothing has been written yet. Overwrite these files with the new design (type yes, then Enter), or press Esc to write nothing and keep them."
      />
      <Text wrap="truncate">
        <Text bold>Overwrite? (type yes, Enter) </Text>
        <TextFieldView text={w.editText} cursor={w.editCursor} />
      </Text>
    </Box>
  );
}
