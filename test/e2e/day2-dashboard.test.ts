/**
 * The Day-2 dashboard in a real terminal (tmux, 80x24, the built app): the table, the filter, a stack's detail,
 * and back.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';
import { tmpDir } from '../helpers/tmp.js';
import { addDrift, addStack, alertRecord, cacheAlerts, cacheSnapshot } from '../day2/ui/helpers.js';

let term: Terminal | undefined;
afterEach(() => term?.stop());

function fleet(): string {
  const dir = tmpDir();
  const path = join(dir, 'dayops.db');
  const db = openDatabase(path);
  try {
    const payments = addStack(db, dir, 'payments', {
      environment: 'prod',
      alerting: 'http://127.0.0.1:9',
      backups: true,
      rpoMinutes: 60,
    });
    const web = addStack(db, dir, 'web', { environment: 'staging', backups: true, rpoMinutes: 60 });
    addStack(db, dir, 'batch', { environment: 'dev' });
    addDrift(db, payments, ['aws_instance.a', 'aws_instance.b']);
    addDrift(db, web, []);
    cacheAlerts(db, payments, [alertRecord('payments', 'DiskFull', 'critical')]);
    cacheSnapshot(db, payments, 20);
    cacheSnapshot(db, web, 180);
  } finally {
    db.close();
  }
  return path;
}

const rowLine = (screen: string, name: string) =>
  screen.split('\n').find((l) => new RegExp(`^(›| ) ${name}\\s`).test(l)) ?? '';

describe('the Day-2 dashboard in a real terminal', () => {
  it.runIf(requireTool(hasTmux(), 'tmux'))(
    'at 80x24: the table, / filter, Enter detail, Esc back, q quits',
    async () => {
      const db = fleet();
      term = Terminal.start(['--db', db], { columns: 80, rows: 24, env: { NO_COLOR: '1' } });
      await term.waitFor('STACK');
      await term.waitFor(/web\s+staging.*late/);
      let screen = await term.settle();
      const lines = screen.trimEnd().split('\n');
      expect(lines.length).toBeLessThanOrEqual(24);
      expect(lines.every((l) => [...l].length <= 80)).toBe(true);
      for (const h of ['STACK', 'ENV', 'DRIFT', 'ALERTS', 'BACKUP']) expect(screen).toContain(h);
      expect(rowLine(screen, 'payments')).toMatch(/✗ drifted 2.*✗ 1 crit/);
      expect(rowLine(screen, 'web')).toMatch(/✓ in sync.*✗ late/);
      expect(rowLine(screen, 'batch')).toMatch(/\? unknown/);
      expect(screen).toContain('/ filter');

      term.key('/');
      await term.waitFor('name, env or status word');
      term.type('drifted');
      term.key('Enter');
      await term.waitFor('filter: drifted');
      screen = await term.settle();
      expect(rowLine(screen, 'payments')).not.toBe('');
      expect(rowLine(screen, 'web')).toBe('');
      expect(rowLine(screen, 'batch')).toBe('');

      term.key('Enter');
      screen = await term.waitFor('aws_instance.a');
      expect(screen).toMatch(/payments prod · opentofu/);
      expect(screen).toContain('Drift 2');
      term.key('l');
      await term.waitFor('DiskFull');
      term.key('Escape');
      await term.waitFor('filter: drifted');
      term.key('Escape');
      await term.waitFor(/batch\s+dev/);
      term.key('q');
      await term.waitFor('[exited 0]');
    },
  );
});
