/** The dialog that has the keyboard, at the bottom of the Day-2 views: a prompt, then a field, choices or a confirm. */
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import wrapAnsi from 'wrap-ansi';
import { Text } from '../layout/Text.js';
import type { Day2Dialog } from '../../store/day2.js';
import { theme } from '../theme.js';
import { TextFieldView } from '../day0/TextField.js';
import { FLOWS, typesName } from './flows.js';

/** Rows `text` wraps to in `width` columns, as Ink wraps it (wrap-ansi, terminal columns). */
const wrappedCount = (text: string, width: number): number =>
  wrapAnsi(text, Math.max(10, width), { hard: true, trim: false }).split('\n').length;

/** Rows of the prompt and of each choice: wrapped whole, so what is being confirmed (a silence's matchers) shows. */
function bodyRows(d: Day2Dialog, width: number): { prompt: number; choices: number[] } {
  const step = FLOWS[d.action][d.step];
  const count = FLOWS[d.action].length > 1 ? ` (${d.step + 1}/${FLOWS[d.action].length})` : '';
  const inner = width - 2;
  return {
    prompt: wrappedCount(step.prompt(d) + count, inner),
    choices: step.kind === 'choice' ? step.options(d).map((o) => wrappedCount(`› ${o.label}`, inner)) : [],
  };
}

/** Lines the dialog takes (for the layout above it): borders, prompt, field or choices, hint. */
export function dialogHeight(d: Day2Dialog | null, width: number): number {
  if (!d) return 0;
  const step = FLOWS[d.action][d.step];
  if (!step) return 0;
  const rows = bodyRows(d, width);
  return 3 + rows.prompt + (step.kind === 'choice' ? rows.choices.reduce((a, b) => a + b, 0) : 1);
}

export function DialogBox({ dialog: d, width, now }: { dialog: Day2Dialog; width: number; now: number }) {
  const steps = FLOWS[d.action];
  const step = steps[d.step];
  if (!step) return null;
  const count = steps.length > 1 ? ` (${d.step + 1}/${steps.length})` : '';
  const inner = width - 2;
  let body;
  let hint: string;
  if (step.kind === 'choice') {
    body = step.options(d).map((o, i) => (
      <Text key={o.value} wrap="wrap" inverse={i === d.choice}>
        {`${i === d.choice ? '› ' : '  '}${o.label}`}
      </Text>
    ));
    hint = `${keys('day2.choose.up')}/${keys('day2.choose.down')} choose · ${keys('day2.choose.pick')} take it · ${keys('day2.choose.cancel')} cancel`;
  } else if (step.kind === 'confirm' && !typesName(d)) {
    body = (
      <Text>
        <Text bold color={theme.status.warning}>
          {keys('day2.confirm.yes')}
        </Text>
        <Text> yes · </Text>
        <Text bold>{keys('day2.confirm.no', 2)}</Text>
        <Text> no</Text>
      </Text>
    );
    hint = `nothing changes until you press ${keys('day2.confirm.yes')}`;
  } else {
    const preview = step.kind === 'text' && step.preview ? step.preview(d.text.trim(), now) : '';
    body = (
      <Text wrap="truncate">
        <Text color={theme.text.accent}>{step.kind === 'confirm' ? `type ${d.stack}: ` : '> '}</Text>
        <TextFieldView text={d.text} cursor={d.cursor} />
        {preview ? <Text color={theme.text.secondary}>{`   ${preview}`}</Text> : null}
      </Text>
    );
    hint =
      step.kind === 'confirm'
        ? `prod stack: type its name and press ${keys('day2.confirm.enter')} · ${keys('day2.prompt.cancel')} cancel`
        : `${keys('day2.prompt.next')} ${d.step + 1 < steps.length ? 'next' : 'done'} · ${keys('day2.prompt.cancel')} cancel`;
  }
  return (
    <Box
      flexDirection="column"
      width={width}
      borderStyle="round"
      borderColor={step.kind === 'confirm' ? theme.status.warning : theme.focusBorder}
      paddingX={0}
    >
      <Box width={inner} height={bodyRows(d, width).prompt} overflow="hidden">
        <Text wrap="wrap" bold>
          {step.prompt(d)}
          {count}
        </Text>
      </Box>
      {step.kind === 'choice' ? (
        <Box flexDirection="column" width={inner}>
          {body}
        </Box>
      ) : (
        <Box width={inner}>{body}</Box>
      )}
      <Box width={inner} height={1}>
        <Text wrap="truncate" color={theme.text.secondary}>
          {hint}
        </Text>
      </Box>
    </Box>
  );
}
