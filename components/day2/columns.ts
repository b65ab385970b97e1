/**
 * The dashboard's columns: which fit a width, and the cell each shows of a row (src/app/day2/dashboard.ts makes
 * the rows).
 */
import type { Row } from '../../src/app/day2/dashboard.js';
import type { Cell } from '../../src/app/day2/format.js';

export type ColumnKey = 'name' | 'env' | 'run' | 'drift' | 'alerts' | 'backup' | 'restore' | 'slo';

export interface Column {
  key: ColumnKey;
  title: string;
  width: number;
  /** Cells carry the age of their figure. */
  aged?: boolean;
  /** The short form of the cell. */
  short?: boolean;
}

/** The gap between columns. */
export const GAP = 2;
/** The cursor mark before each row. */
export const MARK = 2;

/**
 * The columns that fit `width`: name, environment, drift, alerts and backup always; then, as room allows, the
 * last run, the worst SLO (when some stack has SLOs: short first), the ages of the figures, the last restore test,
 * and the SLO in full. The name takes what is left (at most 28).
 */
export function layoutColumns(width: number, longestName: number, slo = false): Column[] {
  const nameWant = Math.max(8, Math.min(28, longestName));
  const base: Column[] = [
    { key: 'env', title: 'ENV', width: 7 },
    { key: 'drift', title: 'DRIFT', width: 13 },
    { key: 'alerts', title: 'ALERTS', width: 17 },
    { key: 'backup', title: 'BACKUP/RPO', width: 15 },
  ];
  // The cursor mark, then each column with a gap before the next (the last one has none).
  const used = (cols: Column[]) => MARK + cols.reduce((n, c) => n + c.width + GAP, 0);
  let cols = base;
  const tryAdd = (next: Column[]) => {
    if (used(next) + Math.min(nameWant, 14) <= width) cols = next;
  };
  tryAdd([base[0], { key: 'run', title: 'LAST RUN', width: 16 }, ...base.slice(1)]);
  if (slo) tryAdd([...cols, { key: 'slo', title: 'SLO', width: 22, short: true }]);
  if (cols.some((c) => c.key === 'run')) {
    tryAdd(
      cols.map((c) =>
        c.key === 'drift'
          ? { ...c, width: 18, aged: true }
          : c.key === 'alerts'
            ? { ...c, width: 21, aged: true }
            : c.key === 'backup'
              ? { ...c, width: 21, aged: true }
              : c,
      ),
    );
    const slos = cols.filter((c) => c.key === 'slo');
    const rest = () => cols.filter((c) => c.key !== 'slo');
    tryAdd([...rest(), { key: 'restore', title: 'RESTORE TEST', width: 13 }, ...slos]);
    // The SLO in full: `99.93% of 99.9% · budget 41% · burn 0.8x`.
    if (slos.length) tryAdd([...rest(), { key: 'slo', title: 'SLO', width: 46 }]);
  }
  const nameWidth = Math.max(8, Math.min(nameWant, width - used(cols)));
  return [{ key: 'name', title: 'STACK', width: nameWidth }, ...cols];
}

export function cellOf(row: Row, col: Column): Cell {
  switch (col.key) {
    case 'name':
      return { text: row.name, tone: undefined };
    case 'env':
      return { text: row.env, tone: row.env === 'prod' ? 'accent' : undefined };
    case 'run':
      return row.cells.run;
    case 'drift':
      return col.aged ? row.cells.driftAged : row.cells.drift;
    case 'alerts':
      return col.aged ? row.cells.alertsAged : row.cells.alerts;
    case 'backup':
      return col.aged ? row.cells.backupAged : row.cells.backup;
    case 'restore':
      return row.cells.restore;
    case 'slo':
      return col.short ? row.cells.sloShort : row.cells.slo;
  }
}
