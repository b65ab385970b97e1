/**
 * A backup's password (`backups.passwordEnv`) never reaches what dayops keeps or shows of restic's output, in any
 * form, whatever restic prints. The real restic never prints it, so a stand-in does: a restic that quotes its
 * password in its JSON error lines and its Fatal line (raw, JSON-escaped, URL-encoded, base64, and cut).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runBackup } from '../../src/day2/backups.js';
import { addStack, resticEnv } from '../day2/backups/util.js';
import { tmpDb } from '../helpers/tmp.js';
import { addForm, databaseText, leaks, type Forms } from './check.js';
import { prng, secret, seedFrom } from './generate.js';

const SEED = seedFrom(7_000_001);

/** A restic that has a repository and fails every backup, quoting $RESTIC_PASSWORD in its errors. */
const LEAKY_RESTIC = `#!/usr/bin/env node
const pw = process.env.RESTIC_PASSWORD;
const cmd = process.argv[4];
if (cmd === 'cat') process.exit(0);
if (cmd === 'snapshots') { console.log('[]'); process.exit(0); }
const err = (s) => process.stderr.write(s + '\\n');
err(JSON.stringify({ message_type: 'error', error: { message: 'open ' + pw + ': permission denied' }, during: 'archival', item: '/srv/' + encodeURIComponent(pw) }));
err(JSON.stringify({ message_type: 'error', error: { message: 'key ' + Buffer.from('k:' + pw).toString('base64') }, item: 'x' }));
err('Fatal: unable to open repository at rest:https://u:' + encodeURIComponent(pw) + '@host/: password ' + JSON.stringify(pw) + ' rejected');
process.stderr.write('Fatal: ' + 'x'.repeat(100) + pw);
process.exit(1);
`;

it(`a restic password (backups.passwordEnv) is masked in every error and event dayops keeps (seed ${SEED})`, async () => {
  const rand = prng(SEED);
  for (let round = 0; round < 5; round++) {
    const { db, dir } = tmpDb();
    const password = secret(rand);
    const restic = join(dir, 'leaky-restic');
    writeFileSync(restic, LEAKY_RESTIC);
    chmodSync(restic, 0o755);
    const stack = addStack(db, dir, { backups: { repository: '../repo', passwordEnv: 'PAYMENTS_RESTIC_PASSWORD' } });
    const env = resticEnv(dir, { DAYOPS_RESTIC: restic, PAYMENTS_RESTIC_PASSWORD: password });
    const error = await runBackup(db, stack, { env, user: 'erin' }).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    expect(error).toContain('[REDACTED]');
    const forms: Forms = new Map();
    addForm(forms, password, 'raw', password);
    addForm(forms, password, 'json', JSON.stringify(password).slice(1, -1));
    addForm(forms, password, 'url', encodeURIComponent(password));
    const found = [
      ...leaks('the error', error, forms),
      ...databaseText(db).flatMap((t) => leaks('the database', t, forms)),
    ];
    expect(found, `seed ${SEED}, round ${round}`).toEqual([]);
  }
});
