/**
 * Choosing values: one of a list, or several (the same list with ticks and a "done" entry). The highlighted
 * choice lives in the store (`pickValue`), moved by the wizard's own key handler, so keys that arrive before a
 * re-render each move from where the previous one left it; these components only draw the list, scrolled to keep
 * the highlighted choice in view.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { Option } from '../../src/day0/wizard-steps.js';
import { theme } from '../theme.js';

interface Line {
  key: string;
  label: string;
  highlighted: boolean;
}

/** The lines in view: `limit` of them around the highlighted one. */
function windowOf(lines: Line[], limit: number): Line[] {
  if (lines.length <= limit) return lines;
  const at = Math.max(
    0,
    lines.findIndex((l) => l.highlighted),
  );
  const start = Math.max(0, Math.min(at - Math.floor(limit / 2), lines.length - limit));
  return lines.slice(start, start + limit);
}

function List({ lines, limit, width, indent }: { lines: Line[]; limit: number; width: number; indent: number }) {
  const shown = windowOf(lines, limit);
  return (
    <Box paddingLeft={indent} width={width} flexDirection="column" height={shown.length} overflow="hidden">
      {shown.map((l) => (
        <Text key={l.key} wrap="truncate" color={l.highlighted ? theme.text.accent : undefined} bold={l.highlighted}>
          {`${l.highlighted ? '›' : ' '} ${l.label}`}
        </Text>
      ))}
    </Box>
  );
}

export interface ChoicePickerProps {
  options: Option[];
  /** The value now (marked "current"). */
  current: unknown;
  /** The highlighted choice. */
  highlighted: string | boolean | null;
  /** Lines the list may take. */
  limit: number;
  width: number;
  indent: number;
}

export function ChoicePicker({ options, current, highlighted, limit, width, indent }: ChoicePickerProps) {
  const lines = options.map((o) => ({
    key: String(o.value),
    label: o.value === current ? `${o.label}  (current)` : o.label,
    highlighted: o.value === highlighted,
  }));
  return <List lines={lines} limit={limit} width={width} indent={indent} />;
}

export interface MultiPickerProps {
  options: Option[];
  picked: string[];
  /** The highlighted choice; null: "done". */
  highlighted: string | boolean | null;
  limit: number;
  width: number;
  indent: number;
}

export function MultiPicker({ options, picked, highlighted, limit, width, indent }: MultiPickerProps) {
  const lines = [
    { key: '\u0000done', label: `done (${picked.length} ticked)`, highlighted: highlighted === null },
    ...options.map((o) => ({
      key: String(o.value),
      label: `${picked.includes(String(o.value)) ? '[x]' : '[ ]'} ${o.label}`,
      highlighted: o.value === highlighted,
    })),
  ];
  return <List lines={lines} limit={limit} width={width} indent={indent} />;
}
