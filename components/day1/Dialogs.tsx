/**
 * The Day-1 dialogs, drawn under the view: the stack picker (which stack a new run is for), the search prompt
 * of a log pane, and the approve/discard/cancel confirm (an optional comment, then y, or for a prod stack its
 * name typed out). Their keys are handled in keys.ts; these only draw.
 */
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { Stack } from '../../src/domain/stack.js';
import type { Day1Dialog } from '../../store/day1.js';
import { TextFieldView } from '../day0/TextField.js';
import { theme } from '../theme.js';

export function StackPicker({
  d,
  stacks,
  width,
  height,
}: {
  d: Extract<Day1Dialog, { kind: 'pick' }>;
  stacks: Stack[];
  width: number;
  height: number;
}) {
  const rows = Math.max(1, height - 3);
  const offset = Math.max(0, Math.min(d.index - Math.floor(rows / 2), stacks.length - rows));
  const what = d.purpose === 'tracked' ? 'a tracked run (plan, approval, apply)' : 'a proposed run (plan only)';
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={theme.focusBorder}
      paddingX={1}
      flexShrink={0}
    >
      <Text bold wrap="truncate">
        Start {what} on which stack?
      </Text>
      {stacks.slice(offset, offset + rows).map((s, i) => {
        const sel = offset + i === d.index;
        return (
          <Text key={s.id} inverse={sel} wrap="truncate">
            {sel ? '›' : ' '} {s.name}{' '}
            <Text color={s.environment === 'prod' ? theme.status.error : theme.text.secondary}>
              ({s.environment}, {s.tool})
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}

export function SearchPrompt({ d, width }: { d: Extract<Day1Dialog, { kind: 'search' }>; width: number }) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text bold color={theme.text.accent}>
        /
      </Text>
      <TextFieldView text={d.text} cursor={d.cursor} />
      <Text
        color={theme.text.secondary}
      >{` ${keys('day1.search.find')} find · ${keys('day1.search.cancel')} stop`}</Text>
    </Box>
  );
}

const VERB = { approve: 'Approve', discard: 'Discard', cancel: 'Cancel' } as const;

export function ActionDialog({
  d,
  width,
  height,
  detail,
}: {
  d: Extract<Day1Dialog, { kind: 'action' }>;
  width: number;
  height: number;
  detail: string;
}) {
  const verb = VERB[d.action];
  const danger = d.action === 'approve' ? theme.status.warning : theme.status.error;
  const consequence =
    d.action === 'approve'
      ? 'once enough users approve, the plan is applied here'
      : d.action === 'discard'
        ? 'the plan is thrown away and never applied'
        : 'its tool is interrupted; the log is kept';
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="double"
      borderColor={danger}
      paddingX={1}
      flexShrink={0}
    >
      <Text bold wrap="truncate">
        {verb} run #{d.runId} of {d.stackName}
        {d.prod ? <Text color={theme.status.error}> (PROD)</Text> : null}
        <Text color={theme.text.secondary}> · {detail}</Text>
      </Text>
      <Text wrap="truncate" color={theme.text.secondary}>
        {consequence}
        {d.comment ? ` · comment: ${d.comment}` : ''}
      </Text>
      {d.step === 'comment' ? (
        <Text wrap="truncate">
          Comment (optional): <TextFieldView text={d.text} cursor={d.cursor} />
          <Text
            color={theme.text.secondary}
          >{` ${keys('day1.comment.next')} next · ${keys('day1.comment.cancel')} cancel`}</Text>
        </Text>
      ) : d.prod ? (
        <Text wrap="truncate">
          Type the stack&apos;s name <Text bold>{d.stackName}</Text> to {d.action}:{' '}
          <TextFieldView text={d.text} cursor={d.cursor} />
          <Text
            color={theme.text.secondary}
          >{` ${keys('day1.typeName.confirm')} confirm · ${keys('day1.typeName.cancel')} cancel`}</Text>
        </Text>
      ) : (
        <Text wrap="truncate">
          {verb} run #{d.runId}? <Text bold>{keys('day1.confirm.yes')}</Text> yes ·{' '}
          <Text bold>{keys('day1.confirm.no', 2)}</Text> no
        </Text>
      )}
    </Box>
  );
}
