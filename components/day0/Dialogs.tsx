/**
 * The wizard's questions, drawn in place of the form: overwriting files the team edited (only typing "yes"
 * overwrites), moving a stack registered at another folder, and choosing a design to open. Every key named
 * here comes from the keymap.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { ReactNode } from 'react';
import { outDirOf, type WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { keys } from './keys.js';
import { ChoicePicker } from './Pickers.js';
import { MARK } from './rows.js';
import { TextFieldView } from './TextField.js';
import { Wrapped } from './Wrapped.js';

function Frame({ width, height, children }: { width: number; height: number; children: ReactNode }) {
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
      {children}
    </Box>
  );
}

export function OverwriteDialog({ w, width, height }: { w: WizardState; width: number; height: number }) {
  const room = Math.max(1, height - 9);
  const shown = w.refused.slice(0, room);
  const hidden = w.refused.length - shown.length;
  return (
    <Frame width={width} height={height}>
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
        text={`Nothing has been written yet. Overwrite these files with the new design (type yes, then ${keys('day0.overwrite.confirm')}), or press ${keys('day0.overwrite.cancel')} to write nothing and keep them.`}
      />
      <Text wrap="truncate">
        <Text bold>{`Overwrite? (type yes, ${keys('day0.overwrite.confirm')}) `}</Text>
        <TextFieldView text={w.editText} cursor={w.editCursor} />
      </Text>
    </Frame>
  );
}

export function MoveDialog({ w, width, height }: { w: WizardState; width: number; height: number }) {
  const name = w.bp.metadata.name;
  return (
    <Frame width={width} height={height}>
      <Text bold color={theme.status.warning} wrap="truncate">
        {`${MARK.warning} Stack ${name} is registered at another folder`}
      </Text>
      <Text> </Text>
      <Text wrap="wrap">{`registered at  ${w.moveFrom ?? ''}`}</Text>
      <Text wrap="wrap">{`writing to     ${outDirOf(w)}`}</Text>
      <Text> </Text>
      <Wrapped
        width={width - 4}
        text={`Nothing has been written yet. Writing here moves the stack: its history (runs, drift, alerts, backups) follows it to the new folder, and the files in the old one are left as they are. To keep it where it is, answer no and set the output folder to ${w.moveFrom ?? 'its folder'}, or give the design another name.`}
      />
      <Text> </Text>
      <Text bold wrap="truncate">
        {`Move ${name} here? ${keys('day0.move.yes')} move · ${keys('day0.move.no', 2)} write nothing`}
      </Text>
    </Frame>
  );
}

export function OpenDialog({ w, width, height }: { w: WizardState; width: number; height: number }) {
  const limit = Math.max(1, height - 6);
  return (
    <Frame width={width} height={height}>
      <Text bold wrap="truncate">
        Open a design to change it
      </Text>
      <Wrapped
        width={width - 4}
        color={theme.text.secondary}
        maxLines={2}
        text="A registered stack's design (read from its folder's blueprint.yaml), or a draft. Changes to the design being edited now are kept as a draft."
      />
      <Text> </Text>
      <ChoicePicker
        options={w.choices}
        current={undefined}
        limit={limit}
        width={width - 4}
        indent={0}
        highlighted={w.pickValue}
      />
    </Frame>
  );
}
