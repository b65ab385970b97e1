/**
 * The Day-1 dialogs, drawn under the view: the stack picker (which stack a new run is for), the search prompt
 * of a log pane, and the approve/discard/cancel confirm (an optional comment, then y, or for a prod stack its
 * name typed out). Their keys are handled in keys.ts; these only draw.
 */
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import wrapAnsi from 'wrap-ansi';
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

type ActionDialogState = Extract<Day1Dialog, { kind: 'action' }>;

/** A change being approved or discarded, as the dialog lists it. */
export interface DialogChange {
  symbol: string;
  address: string;
  action: string;
}

/**
 * The lines of what is being confirmed, wrapped to the dialog's width (nothing cut): the run and its summary, what
 * happens, and each change of the plan. The last row (the question or the field) is not among them.
 */
export function actionDialogLines(
  d: ActionDialogState,
  detail: string,
  changes: readonly DialogChange[],
  width: number,
): { text: string; tone: 'title' | 'muted' | 'change' }[] {
  const inner = Math.max(10, width - 4);
  const wrap = (t: string, tone: 'title' | 'muted' | 'change', indent = '') =>
    wrapAnsi(t, inner - indent.length, { hard: true, trim: true })
      .split('\n')
      .map((l, i) => ({ text: (i === 0 ? '' : indent) + l, tone }));
  const consequence =
    d.action === 'approve'
      ? 'once enough users approve, the plan is applied here'
      : d.action === 'discard'
        ? 'the plan is thrown away and never applied'
        : 'its tool is interrupted; the log is kept';
  const out = [
    ...wrap(`${VERB[d.action]} run #${d.runId} of ${d.stackName}${d.prod ? ' (PROD)' : ''} · ${detail}`, 'title'),
    ...wrap(`${consequence}${d.comment ? ` · comment: ${d.comment}` : ''}`, 'muted'),
  ];
  if (d.action !== 'cancel' && changes.length > 0)
    for (const c of changes) out.push(...wrap(`${c.symbol} ${c.address} ${c.action}`, 'change', '    '));
  return out;
}

export function ActionDialog({
  d,
  width,
  height,
  detail,
  changes,
  scroll = 0,
}: {
  d: ActionDialogState;
  width: number;
  height: number;
  detail: string;
  changes: readonly DialogChange[];
  /** First line shown when what is confirmed is taller than the dialog. */
  scroll?: number;
}) {
  const verb = VERB[d.action];
  const danger = d.action === 'approve' ? theme.status.warning : theme.status.error;
  const lines = actionDialogLines(d, detail, changes, width);
  const room = Math.max(1, height - 3);
  const top = Math.max(0, Math.min(scroll, lines.length - room));
  const shown = lines.slice(top, top + room);
  const more = lines.length > room ? ` · lines ${top + 1}-${top + shown.length} of ${lines.length}` : '';
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
      {shown.map((l, i) => (
        <Text
          key={i}
          wrap="truncate"
          bold={l.tone === 'title'}
          color={l.tone === 'muted' ? theme.text.secondary : undefined}
        >
          {l.text}
        </Text>
      ))}
      <Box flexGrow={1} />
      {d.step === 'comment' ? (
        <Text wrap="truncate">
          Comment (optional): <TextFieldView text={d.text} cursor={d.cursor} />
          <Text color={theme.text.secondary}>
            {` ${keys('day1.comment.next')} next · ${keys('day1.comment.cancel')} cancel`}
            {more}
          </Text>
        </Text>
      ) : d.prod ? (
        <Text wrap="truncate">
          Type the stack&apos;s name <Text bold>{d.stackName}</Text> to {d.action}:{' '}
          <TextFieldView text={d.text} cursor={d.cursor} />
          <Text color={theme.text.secondary}>
            {` ${keys('day1.typeName.confirm')} confirm · ${keys('day1.typeName.cancel')} cancel`}
            {more}
          </Text>
        </Text>
      ) : (
        <Text wrap="truncate">
          {verb} run #{d.runId}? <Text bold>{keys('day1.confirm.yes')}</Text> yes ·{' '}
          <Text bold>{keys('day1.confirm.no', 2)}</Text> no
          <Text color={theme.text.secondary}>{more}</Text>
        </Text>
      )}
    </Box>
  );
}
