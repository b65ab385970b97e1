/**
 * One line per row of the wizard's form: a field (label, value, and while typing the reason it is refused), a
 * list's heading, an item, the review's rows. Every status has a symbol or a word, so NO_COLOR reads the same.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { ReactNode } from 'react';
import type { Finding } from '../../src/day0/audit.js';
import {
  REVIEW_STEP,
  STEPS,
  displayValue,
  findingsFor,
  formatPath,
  getIn,
  outputDir,
  parseText,
} from '../../src/day0/wizard-steps.js';
import { fieldCtx, outDirTextProblem, type WizardRow, type WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { keys } from './keys.js';
import { TextFieldView } from './TextField.js';

export const MARK = { error: '✗', warning: '!', ok: '✓' } as const;

export function severityColor(s: Finding['severity']): string | undefined {
  return s === 'error' ? theme.status.error : theme.status.warning;
}

/** The worst finding first. */
function worst(findings: Finding[]): Finding | undefined {
  return findings.find((f) => f.severity === 'error') ?? findings[0];
}

/** Why the text being typed is refused (undefined when it is fine). */
export function typingProblem(w: WizardState, row: WizardRow): string | undefined {
  if (row.type === 'outDir') return outDirTextProblem(w, w.editText);
  if (row.type !== 'field') return undefined;
  const f = row.field;
  if (f.kind !== 'text' && f.kind !== 'number' && f.kind !== 'csv') return undefined;
  const parsed = parseText(f, w.editText, fieldCtx(w));
  return parsed.ok ? undefined : parsed.error;
}

interface RowProps {
  row: WizardRow;
  w: WizardState;
  focused: boolean;
  width: number;
  labelWidth: number;
  findings: Finding[];
  readonly: boolean;
  /** Where a stack of the design's name is registered already, if it is. */
  registeredAt?: string;
}

function Line({ width, children }: { width: number; children: ReactNode }) {
  return (
    <Box width={width} height={1} flexShrink={0} overflow="hidden">
      <Text wrap="truncate-end">{children}</Text>
    </Box>
  );
}

function Cursor({ focused }: { focused: boolean }) {
  return (
    <Text color={theme.text.accent} bold>
      {focused ? '› ' : '  '}
    </Text>
  );
}

function Label({ text, width, focused }: { text: string; width: number; focused: boolean }) {
  const t = text.length >= width ? `${text.slice(0, width - 2)}… ` : text.padEnd(width);
  return (
    <Text bold={focused} color={focused ? theme.text.accent : undefined}>
      {t}
    </Text>
  );
}

function FindingMark({ findings }: { findings: Finding[] }) {
  const f = worst(findings);
  if (!f) return null;
  return (
    <Text color={severityColor(f.severity)}>
      {'  '}
      {f.severity === 'error' ? MARK.error : MARK.warning} {f.message}
    </Text>
  );
}

function Editing({ w, row }: Pick<RowProps, 'w' | 'row'>) {
  const problem = typingProblem(w, row);
  return (
    <>
      <TextFieldView text={w.editText} cursor={w.editCursor} />
      {problem ? (
        <Text color={theme.status.error}>
          {'  '}
          {MARK.error} {problem}
        </Text>
      ) : (
        <Text color={theme.status.ok}>
          {'  '}
          {MARK.ok}
          {row.type === 'outDir' ? ` → ${outputDir(w.editText, w.bp, w.cwd)}` : ''}
        </Text>
      )}
    </>
  );
}

export function WizardRowLine(props: RowProps) {
  const { row, w, focused, width, labelWidth, findings, readonly, registeredAt } = props;
  const editing = focused && w.mode === 'edit';
  switch (row.type) {
    case 'next': {
      const to = w.step + 1;
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Text inverse={focused} bold>
            {`[ Next step › ${to + 1} ${STEPS[to]?.title ?? ''} ]`}
          </Text>
          <Text color={theme.text.secondary}>
            {to < REVIEW_STEP
              ? `  ${keys('day0.toReview')}: straight to the review, the rest as it is`
              : '  the whole design, its audit, and writing it'}
          </Text>
        </Line>
      );
    }
    case 'field': {
      const value = getIn(w.bp, row.path);
      const mine = findingsFor(findings, row.path);
      const picking = focused && (w.mode === 'pick' || w.mode === 'multi');
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Label text={row.field.label} width={labelWidth} focused={focused} />
          {editing ? (
            <Editing {...props} />
          ) : (
            <>
              <Text bold={focused}>{displayValue(row.field, value, w.bp)}</Text>
              {picking ? (
                <Text color={theme.text.secondary}>{w.mode === 'multi' ? '  (tick below)' : '  (choose below)'}</Text>
              ) : (
                <FindingMark findings={mine} />
              )}
            </>
          )}
        </Line>
      );
    }
    case 'list-head': {
      const items = (getIn(w.bp, row.path) as unknown[]) ?? [];
      const own = findings.filter((f) => f.path === formatPath(row.path));
      return (
        <Line width={width}>
          <Text>{'  '}</Text>
          <Text bold>{`${row.list.label} (${items.length})`}</Text>
          <Text color={theme.text.secondary}>
            {`  ${keys('day0.list.add')} add · ${keys('day0.enter')} edit · ${keys('day0.list.remove')} remove`}
          </Text>
          <FindingMark findings={own} />
        </Line>
      );
    }
    case 'item': {
      const item = getIn(w.bp, row.path);
      const mine = findingsFor(findings, row.path);
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Text>{'  '}</Text>
          <Text bold={focused} color={focused ? theme.text.accent : undefined}>
            {row.list.summary(item, w.bp)}
          </Text>
          <FindingMark findings={mine} />
        </Line>
      );
    }
    case 'empty':
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Text>{'  '}</Text>
          <Text color={theme.text.secondary}>
            {`(no ${row.list.noun}s) · ${keys('day0.list.add')} or ${keys('day0.enter')} adds one`}
          </Text>
        </Line>
      );
    case 'outDir':
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Label text="Output folder" width={labelWidth} focused={focused} />
          {editing ? (
            <Editing {...props} />
          ) : (
            <>
              <Text bold={focused}>{w.outDir ?? `./${w.bp.metadata.name}`}</Text>
              <Text color={theme.text.secondary}>{`  → ${outputDir(w.outDir, w.bp, w.cwd)}`}</Text>
            </>
          )}
        </Line>
      );
    case 'write': {
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.length - errors;
      const status = readonly
        ? { color: theme.status.warning, text: `${MARK.warning} read-only: writing is off` }
        : w.mode === 'busy'
          ? { color: theme.status.running, text: 'writing…' }
          : errors
            ? {
                color: theme.status.error,
                text: `${MARK.error} blocked: ${errors} audit error${errors === 1 ? '' : 's'} (${keys('day0.enter')} on one goes to its field)`,
              }
            : w.written
              ? {
                  color: theme.status.ok,
                  text: `${MARK.ok} written: ${w.written.files.length} file${w.written.files.length === 1 ? '' : 's'}${w.written.unchanged ? `, ${w.written.unchanged} unchanged` : ''}`,
                }
              : {
                  color: theme.status.ok,
                  text: `${MARK.ok} ready${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'} do not block)` : ''}`,
                };
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Text inverse={focused} bold>
            {'[ Write files ]'}
          </Text>
          <Text color={status.color}>{`  ${status.text}`}</Text>
          {registeredAt && !w.written ? (
            registeredAt === outputDir(w.outDir, w.bp, w.cwd) ? (
              <Text color={theme.text.secondary}>{`  · updates the registered stack ${w.bp.metadata.name}`}</Text>
            ) : (
              <Text
                color={theme.status.warning}
              >{`  ${MARK.warning} ${w.bp.metadata.name} is registered at ${registeredAt}: writing asks to move it`}</Text>
            )
          ) : null}
        </Line>
      );
    }
    case 'file':
      return (
        <Line width={width}>
          <Text>{'    '}</Text>
          <Text color={theme.status.ok}>{MARK.ok} </Text>
          <Text>{row.file}</Text>
        </Line>
      );
    case 'audit-head': {
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.length - errors;
      return (
        <Line width={width}>
          <Text bold>{'  Audit  '}</Text>
          {findings.length === 0 ? (
            <Text color={theme.status.ok}>{`${MARK.ok} no findings`}</Text>
          ) : (
            <>
              <Text
                color={errors ? theme.status.error : theme.status.ok}
              >{`${errors ? MARK.error : MARK.ok} ${errors} error${errors === 1 ? '' : 's'}`}</Text>
              <Text>{' · '}</Text>
              <Text
                color={warnings ? theme.status.warning : undefined}
              >{`${MARK.warning} ${warnings} warning${warnings === 1 ? '' : 's'}`}</Text>
              <Text color={theme.text.secondary}>
                {errors ? ' · errors block writing' : ' · warnings do not block'}
              </Text>
            </>
          )}
        </Line>
      );
    }
    case 'finding': {
      const f = row.finding;
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Text color={severityColor(f.severity)} bold={focused}>
            {`${f.severity === 'error' ? MARK.error : MARK.warning} ${f.severity.padEnd(7)}`}
          </Text>
          <Text bold={focused}>{` ${f.code}`}</Text>
          <Text color={theme.text.secondary}>{`  ${f.path}  `}</Text>
          <Text>{f.message}</Text>
        </Line>
      );
    }
    case 'summary': {
      const l = row.line;
      if (l.heading)
        return (
          <Line width={width}>
            <Text bold color={theme.text.accent}>{`  ${l.label}`}</Text>
          </Line>
        );
      return (
        <Line width={width}>
          <Cursor focused={focused} />
          <Label text={l.label} width={labelWidth} focused={focused} />
          <Text>{l.value}</Text>
        </Line>
      );
    }
    case 'gap':
      return <Line width={width}> </Line>;
  }
}
