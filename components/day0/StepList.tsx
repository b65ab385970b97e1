/**
 * The steps on the left of a wide terminal: where the operator is, what is done, and which steps the audit
 * finds errors or warnings in. Marks are symbols so NO_COLOR reads the same: › current, ✓ done, ✗ errors,
 * ! warnings, · not reached yet.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { Finding } from '../../src/day0/audit.js';
import { REVIEW_STEP, STEPS, findingsByStep } from '../../src/day0/wizard-steps.js';
import type { WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { MARK } from './rows.js';

export const STEP_LIST_WIDTH = 30;

export function stepMark(
  i: number,
  w: WizardState,
  byStep: Map<number, Finding[]>,
): { mark: string; color?: string; word: string } {
  const found = byStep.get(i) ?? [];
  if (found.some((f) => f.severity === 'error')) return { mark: MARK.error, color: theme.status.error, word: 'errors' };
  if (found.length && i <= w.reached) return { mark: MARK.warning, color: theme.status.warning, word: 'warnings' };
  if (i < w.reached || (i === REVIEW_STEP && w.written)) return { mark: MARK.ok, color: theme.status.ok, word: 'done' };
  return { mark: '·', color: theme.text.secondary, word: '' };
}

export function StepList({ w, findings, height }: { w: WizardState; findings: Finding[]; height: number }) {
  const byStep = findingsByStep(findings);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  return (
    <Box
      flexDirection="column"
      width={STEP_LIST_WIDTH}
      height={height}
      flexShrink={0}
      borderStyle="single"
      borderColor={theme.border}
      borderTop={false}
      borderBottom={false}
      borderLeft={false}
      paddingLeft={1}
    >
      <Text bold>Steps</Text>
      {STEPS.map((s, i) => {
        const m = stepMark(i, w, byStep);
        const current = i === w.step;
        return (
          <Text key={s.id} wrap="truncate">
            <Text color={theme.text.accent} bold>
              {current ? '›' : ' '}
            </Text>
            <Text color={m.color}> {m.mark} </Text>
            <Text
              bold={current}
              inverse={current && theme.color}
              color={current ? undefined : i <= w.reached ? undefined : theme.text.secondary}
            >
              {`${String(i + 1).padStart(2)} ${s.title}`}
            </Text>
          </Text>
        );
      })}
      <Text> </Text>
      <Text wrap="truncate">
        <Text bold>Audit </Text>
        <Text color={errors ? theme.status.error : theme.status.ok}>
          {errors ? `${MARK.error} ${errors} error${errors === 1 ? '' : 's'}` : `${MARK.ok} no errors`}
        </Text>
      </Text>
      {warnings ? (
        <Text wrap="truncate" color={theme.status.warning}>
          {`      ${MARK.warning} ${warnings} warning${warnings === 1 ? '' : 's'}`}
        </Text>
      ) : null}
    </Box>
  );
}
