import { Box } from 'ink';
import { Text } from './Text.js';
import { useEffect } from 'react';
import { useAppStore, useAppStoreApi } from '../../store/index.js';
import { theme } from '../theme.js';

const FADE_MS = 5000;

/** The result of the last action (info, warning, error); fades after a few seconds. */
export function FlashLine({ width }: { width: number }) {
  const flash = useAppStore((s) => s.flash);
  const store = useAppStoreApi();
  useEffect(() => {
    if (!flash || flash.level === 'error') return;
    const t = setTimeout(() => store.getState().clearFlash(flash.id), FADE_MS);
    return () => clearTimeout(t);
  }, [flash, store]);
  const color =
    flash?.level === 'error'
      ? theme.status.error
      : flash?.level === 'warning'
        ? theme.status.warning
        : theme.status.info;
  const mark = flash?.level === 'error' ? '✗ ' : flash?.level === 'warning' ? '! ' : '• ';
  return (
    <Box width={width} height={1} flexShrink={0}>
      {flash ? (
        <Text color={color} wrap="truncate">
          {mark}
          {flash.text}
        </Text>
      ) : (
        <Text> </Text>
      )}
    </Box>
  );
}
