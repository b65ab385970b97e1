/**
 * Choosing values: one of a list, or several (the same list with ticks and a "done" entry), drawn and moved
 * through by ink-select-input. The wizard's own key handler chooses (Enter), ticks (Space, Enter) and cancels
 * (Esc) with the value the list reports as highlighted, so one key press is never handled twice.
 */
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useMemo } from 'react';
import type { Option } from '../../src/day0/wizard-steps.js';
import { theme } from '../theme.js';

function Indicator({ isSelected = false }: { isSelected?: boolean }) {
  return (
    <Box marginRight={1}>
      <Text color={theme.text.accent} bold>
        {isSelected ? '›' : ' '}
      </Text>
    </Box>
  );
}

function Item({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  return (
    <Text color={isSelected ? theme.text.accent : undefined} bold={isSelected} wrap="truncate">
      {label}
    </Text>
  );
}

export interface ChoicePickerProps {
  options: Option[];
  current: unknown;
  /** Lines the list may take. */
  limit: number;
  width: number;
  indent: number;
  onHighlight(value: string | boolean): void;
}

export function ChoicePicker({ options, current, limit, width, indent, onHighlight }: ChoicePickerProps) {
  const items = useMemo(
    () =>
      options.map((o) => ({
        key: String(o.value),
        value: o.value,
        label: o.value === current ? `${o.label}  (current)` : o.label,
      })),
    [options, current],
  );
  const initialIndex = Math.max(
    0,
    options.findIndex((o) => o.value === current),
  );
  return (
    <Box
      paddingLeft={indent}
      width={width}
      flexDirection="column"
      height={Math.min(limit, items.length)}
      overflow="hidden"
    >
      <SelectInput
        items={items}
        initialIndex={initialIndex}
        limit={limit < items.length ? limit : undefined}
        isFocused
        indicatorComponent={Indicator}
        itemComponent={Item}
        onHighlight={(item) => onHighlight(item.value)}
      />
    </Box>
  );
}

const DONE = '\u0000done';

export interface MultiPickerProps {
  options: Option[];
  picked: string[];
  limit: number;
  width: number;
  indent: number;
  /** null: "done" is highlighted. */
  onHighlight(value: string | null): void;
}

export function MultiPicker({ options, picked, limit, width, indent, onHighlight }: MultiPickerProps) {
  const items = [
    { key: DONE, value: DONE, label: `done (${picked.length} ticked)` },
    ...options.map((o) => ({
      key: String(o.value),
      value: String(o.value),
      label: `${picked.includes(String(o.value)) ? '[x]' : '[ ]'} ${o.label}`,
    })),
  ];
  return (
    <Box
      paddingLeft={indent}
      width={width}
      flexDirection="column"
      height={Math.min(limit, items.length)}
      overflow="hidden"
    >
      <SelectInput
        items={items}
        limit={limit < items.length ? limit : undefined}
        isFocused
        indicatorComponent={Indicator}
        itemComponent={Item}
        onHighlight={(item) => onHighlight(item.value === DONE ? null : item.value)}
      />
    </Box>
  );
}
