/**
 * The middle of the wizard: the step's title, its rows scrolled to keep the focused one (and an open picker)
 * in view, and at the bottom what the focused field means, or the question being asked.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { useRef, type ReactNode } from 'react';
import type { Finding } from '../../src/day0/audit.js';
import { REVIEW_STEP, STEPS, findList, findingsFor, getIn, outputDir } from '../../src/day0/wizard-steps.js';
import { editorList, focusKey, pickerOptions, type WizardRow, type WizardState } from '../../store/wizard.js';
import { theme } from '../theme.js';
import { ChoicePicker, MultiPicker } from './Pickers.js';
import { MARK, WizardRowLine, severityColor, typingProblem } from './rows.js';
import { keys } from './keys.js';
import { Wrapped } from './Wrapped.js';

function rowHelp(w: WizardState, row: WizardRow | undefined, registeredAt?: string): string {
  if (!row) return '';
  const enter = keys('day0.enter');
  switch (row.type) {
    case 'next':
      return `${keys('day0.next.go')} keeps this step as it is and goes on; ${keys('nav.down')} goes down to its fields; ${keys('day0.toReview')} goes straight to the review.`;
    case 'field':
      return row.field.help;
    case 'item':
      return `${row.list.help} ${enter} edits this ${row.list.noun}; ${keys('day0.list.add')} adds one; ${keys('day0.list.remove')} removes it.`;
    case 'empty':
      return `${row.list.help} Press ${keys('day0.list.add')} or ${enter} to add a ${row.list.noun}.`;
    case 'outDir':
      return `Where the files go: ${outputDir(w.outDir, w.bp, w.cwd)} (a relative folder is relative to ${w.cwd}).`;
    case 'write':
      if (registeredAt && !w.written && registeredAt !== outputDir(w.outDir, w.bp, w.cwd))
        return `${MARK.warning} A stack named ${w.bp.metadata.name} is registered at ${registeredAt}: writing here asks to move it (or set the output folder to it, or rename the stack).`;
      return w.written
        ? `Written. ${keys('day0.writeButton.write')} or ${keys('day0.write')} writes again (files edited since are never overwritten without asking).`
        : `${keys('day0.writeButton.write')} or ${keys('day0.write')} writes blueprint.yaml, dayops.yaml, the infrastructure code and DESIGN.md to ${outputDir(w.outDir, w.bp, w.cwd)}, and registers the stack.`;
    case 'finding':
      return `${row.finding.severity} ${row.finding.code} at ${row.finding.path} · ${enter} goes to the field`;
    case 'summary':
      return `${enter} goes to this field to change it.`;
    default:
      return '';
  }
}

export interface WizardFormProps {
  w: WizardState;
  rows: WizardRow[];
  row: WizardRow | undefined;
  findings: Finding[];
  width: number;
  height: number;
  /** No step list on the left: say which step this is in the title. */
  compact: boolean;
  /** No side panel: the bottom lines carry the field's help and its full finding. */
  narrow: boolean;
  readonly: boolean;
  /** Where a stack of the design's name is registered already, if it is. */
  registeredAt?: string;
  /** Told how many rows a page is, for PgUp/PgDn. */
  onPageSize(rows: number): void;
}

export function WizardForm(props: WizardFormProps) {
  const { w, rows, row, findings, width, height, compact, narrow, readonly } = props;
  const step = STEPS[w.step];
  const list = editorList(w);
  const offsetRef = useRef({ key: '', offset: 0 });

  // Title: where we are; the list item being edited; the audit's count when there is no step list.
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const item = w.editor && list ? getIn(w.bp, [...list.path, w.editor.index]) : undefined;
  const itemName =
    item === undefined
      ? ''
      : typeof item === 'string'
        ? item
        : String((item as { name?: string; group?: string }).name ?? (item as { group?: string }).group ?? '');
  const itemCount = list ? ((getIn(w.bp, list.path) as unknown[]) ?? []).length : 0;

  // Narrow: the field's help, then its worst finding in full (wrapped); a side panel shows both instead.
  const bottomLines = !narrow ? 1 : height >= 18 ? 3 : height >= 14 ? 2 : 1;
  const introLines = height >= 16 ? 1 : 0;
  const viewport = Math.max(1, height - 1 - introLines - bottomLines);
  props.onPageSize(viewport);

  // The picker opens under the focused row.
  const picking = w.mode === 'pick' || w.mode === 'multi';
  const options = picking ? pickerOptions(w, row) : [];
  const pickerItems = options.length + (w.mode === 'multi' ? 1 : 0);
  const pickerLen = picking ? Math.max(1, Math.min(pickerItems, viewport - 1)) : 0;

  const fi = Math.max(
    0,
    rows.findIndex((r) => r.key === focusKey(w)),
  );
  const total = rows.length + pickerLen;
  const viewKey = `${w.step}:${w.editor ? `${w.editor.list}[${w.editor.index}]` : ''}`;
  let offset = offsetRef.current.key === viewKey ? offsetRef.current.offset : 0;
  // Keep the headings just above the focused row in view when scrolling up to it.
  let top = fi;
  while (top > 0 && !rows[top - 1].focusable && fi - top < 2) top--;
  if (top < offset) offset = top;
  if (fi + pickerLen >= offset + viewport) offset = fi + pickerLen - viewport + 1;
  offset = Math.max(0, Math.min(offset, Math.max(0, total - viewport)));
  if (fi < offset) offset = fi;
  offsetRef.current = { key: viewKey, offset };

  const labelWidth = Math.max(14, Math.min(24, Math.floor(width * 0.3)));
  const lineFor = (r: WizardRow) => (
    <WizardRowLine
      key={r.key}
      row={r}
      w={w}
      focused={r.key === focusKey(w) && r.focusable}
      width={width}
      labelWidth={labelWidth}
      findings={findings}
      readonly={readonly}
      registeredAt={props.registeredAt}
    />
  );

  let body: ReactNode[];
  if (picking) {
    const before = rows.slice(offset, fi + 1).map(lineFor);
    const room = viewport - before.length - pickerLen;
    const after = rows.slice(fi + 1, fi + 1 + Math.max(0, room)).map(lineFor);
    const current = row && row.type === 'field' ? getIn(w.bp, row.path) : undefined;
    const picker =
      w.mode === 'pick' ? (
        <ChoicePicker
          key="picker"
          options={options}
          current={current}
          limit={pickerLen}
          width={width}
          indent={labelWidth + 2}
          highlighted={w.pickValue}
        />
      ) : (
        <MultiPicker
          key="picker"
          options={options}
          picked={w.picked}
          limit={pickerLen}
          width={width}
          indent={labelWidth + 2}
          highlighted={w.pickValue}
        />
      );
    body = [...before, picker, ...after];
  } else {
    body = rows.slice(offset, offset + viewport).map(lineFor);
  }

  const more =
    total > viewport
      ? `  ${offset > 0 ? '↑' : ' '}${offset + viewport < total ? '↓' : ' '} ${Math.min(total, offset + 1)}-${Math.min(total, offset + viewport)}/${total}`
      : '';

  // The bottom: a question, the reason a value is refused, or what the field means and the worst finding.
  let bottom: ReactNode[];
  const focusedFindings = row && (row.type === 'field' || row.type === 'item') ? findingsFor(findings, row.path) : [];
  const worst = focusedFindings.find((f) => f.severity === 'error') ?? focusedFindings[0];
  if (w.mode === 'confirm' && w.confirm) {
    const noun = findList(w.confirm.list)?.list.noun ?? 'item';
    bottom = [
      <Text key="q" color={theme.status.warning} bold wrap="truncate">
        {`${MARK.warning} Remove ${noun} ${w.confirm.label}? ${keys('day0.confirm.yes')} remove · ${keys('day0.confirm.no', 2)} keep`}
      </Text>,
    ];
  } else if (w.mode === 'busy') {
    bottom = [
      <Text key="b" color={theme.status.running} wrap="truncate">
        Writing the design…
      </Text>,
    ];
  } else if (w.mode === 'multi') {
    bottom = [
      <Text key="m" color={theme.text.secondary} wrap="truncate">
        {`${keys('day0.multi.tick')} or ${keys('day0.multi.done')} ticks · ${keys('day0.multi.done')} on "done" keeps the ticks · ${keys('day0.multi.cancel')} leaves them as they were`}
      </Text>,
    ];
  } else if (w.mode === 'edit' && row) {
    const problem = typingProblem(w, row);
    bottom = [
      problem ? (
        <Text key="p" color={theme.status.error} wrap="truncate">{`${MARK.error} ${problem}`}</Text>
      ) : (
        <Text
          key="p"
          color={theme.status.ok}
          wrap="truncate"
        >{`${MARK.ok} valid · ${keys('day0.edit.save')} keeps it · ${keys('day0.edit.cancel')} leaves the field unchanged`}</Text>
      ),
    ];
  } else {
    // Narrow: the field's help (wrapped), then its worst finding in full; a side panel shows both instead.
    const extra =
      worst && narrow
        ? {
            color: severityColor(worst.severity),
            text: `${worst.severity === 'error' ? MARK.error : MARK.warning} ${worst.code}: ${worst.message}`,
          }
        : row?.type === 'finding' && narrow
          ? { color: undefined, text: row.finding.message }
          : undefined;
    const extraLines = extra ? Math.max(1, bottomLines - 1) : 0;
    const helpLines = Math.max(1, bottomLines - extraLines);
    bottom = [
      <Wrapped
        key="h"
        width={width}
        color={theme.text.secondary}
        text={narrow ? rowHelp(w, row, props.registeredAt) : ' '}
        maxLines={helpLines}
      />,
    ];
    if (extra)
      bottom.push(<Wrapped key="f" width={width} color={extra.color} text={extra.text} maxLines={extraLines} />);
  }

  const title =
    w.editor && list
      ? `${step.title} › ${list.label} › ${itemName || list.noun} (${w.editor.index + 1} of ${itemCount})`
      : step.title;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Box width={width} height={1}>
        <Text wrap="truncate">
          {compact ? <Text color={theme.text.secondary}>{`step ${w.step + 1}/${STEPS.length} · `}</Text> : null}
          <Text bold>{title}</Text>
          {!compact ? <Text color={theme.text.secondary}>{`  ${w.step + 1}/${STEPS.length}`}</Text> : null}
          {compact && w.step !== REVIEW_STEP ? (
            <Text
              color={errors ? theme.status.error : theme.text.secondary}
            >{`  · audit ${errors ? `${MARK.error} ${errors}` : MARK.ok}${warnings ? ` ${MARK.warning} ${warnings}` : ''}`}</Text>
          ) : null}
          <Text color={theme.text.secondary}>{more}</Text>
        </Text>
      </Box>
      {introLines ? (
        <Box width={width} height={1}>
          <Text color={theme.text.secondary} wrap="truncate">
            {w.editor && list
              ? `Editing a ${list.noun}: changes are kept as you go · ${keys('day0.item.close')} back to the list`
              : step.intro}
          </Text>
        </Box>
      ) : null}
      <Box flexDirection="column" width={width} height={viewport} overflow="hidden">
        {body}
      </Box>
      <Box flexDirection="column" width={width} height={bottomLines} overflow="hidden">
        {bottom}
      </Box>
    </Box>
  );
}
