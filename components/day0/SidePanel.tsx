/**
 * The right-hand column of a large terminal: what the focused field means, the reason a typed value is refused,
 * and the live audit's findings for this step (on the review step, all of them), with their full messages.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { Finding } from '../../src/day0/audit.js';
import { REVIEW_STEP, STEPS, findingsByStep } from '../../src/day0/wizard-steps.js';
import { outDirOf, type WizardRow, type WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { keys } from './keys.js';
import { MARK, severityColor, typingProblem } from './rows.js';
import { Wrapped } from './Wrapped.js';

export function SidePanel({
  w,
  row,
  findings,
  width,
  height,
  registeredAt,
}: {
  w: WizardState;
  row: WizardRow | undefined;
  findings: Finding[];
  width: number;
  height: number;
  registeredAt?: string;
}) {
  const step = STEPS[w.step];
  const mine = w.step === REVIEW_STEP ? findings : (findingsByStep(findings).get(w.step) ?? []);
  const about =
    row?.type === 'field'
      ? { title: row.field.label, text: row.field.help }
      : row?.type === 'item' || row?.type === 'empty'
        ? {
            title: row.list.label,
            text: `${row.list.help} ${keys('day0.list.add')} adds, ${keys('day0.enter')} edits, ${keys('day0.list.remove')} removes (asks first).`,
          }
        : row?.type === 'write' && registeredAt && !w.written && registeredAt !== outDirOf(w)
          ? {
              title: 'Write files',
              text: `A stack named ${w.bp.metadata.name} is registered at ${registeredAt}; writing here asks to move it, with its history (set the output folder to it, or rename the stack to keep both).`,
            }
          : row?.type === 'outDir'
            ? {
                title: 'Output folder',
                text: `Relative to ${w.cwd}, or absolute. Files edited since dayops wrote them are never overwritten without asking.`,
              }
            : row?.type === 'next'
              ? {
                  title: 'Next step',
                  text: `${keys('day0.next.go')} keeps this step as it is and goes on; ${keys('day0.toReview')} goes straight to the review, every step not visited keeping its defaults.`,
                }
              : { title: step.title, text: step.intro };
  const problem = w.mode === 'edit' && row ? typingProblem(w, row) : undefined;
  const inner = width - 3;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      flexShrink={0}
      overflow="hidden"
      borderStyle="single"
      borderColor={theme.border}
      borderTop={false}
      borderBottom={false}
      borderRight={false}
      paddingLeft={1}
    >
      <Text bold>{about.title}</Text>
      <Wrapped width={inner} color={theme.text.secondary} text={about.text} />
      {w.mode === 'edit' ? (
        <Wrapped
          width={inner}
          color={problem ? theme.status.error : theme.status.ok}
          text={problem ? `${MARK.error} ${problem}` : `${MARK.ok} valid`}
        />
      ) : null}
      <Text> </Text>
      <Text bold>
        {w.step === REVIEW_STEP ? 'Audit · whole design' : `Audit · ${step.title}`}
        <Text color={theme.text.secondary}>{`  (${findings.length} in all)`}</Text>
      </Text>
      {mine.length === 0 ? (
        <Text color={theme.status.ok}>{`${MARK.ok} nothing to fix here`}</Text>
      ) : (
        mine.map((f, i) => (
          <Box key={`${f.code}:${f.path}:${i}`} flexDirection="column" width={inner} marginBottom={1}>
            <Text wrap="truncate">
              <Text
                color={severityColor(f.severity)}
                bold
              >{`${f.severity === 'error' ? MARK.error : MARK.warning} ${f.severity}`}</Text>
              <Text>{` ${f.code}`}</Text>
            </Text>
            <Text color={theme.text.secondary} wrap="truncate">
              {f.path}
            </Text>
            <Wrapped width={inner} text={f.message} />
          </Box>
        ))
      )}
    </Box>
  );
}
