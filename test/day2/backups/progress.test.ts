/** How `dayops backup run` shows restic's progress: one updating line on a terminal, whole lines otherwise. */
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { formatBytes, progressReporter } from '../../../src/commands/backup.js';
import type { BackupProgress } from '../../../src/day2/restic.js';

function sink() {
  const chunks: string[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c.toString());
      cb();
    },
  });
  return { w, chunks };
}

const p = (percentDone: number, extra: Partial<BackupProgress> = {}): BackupProgress => ({
  percentDone,
  filesDone: 0,
  totalFiles: 2,
  bytesDone: Math.round(percentDone * 10 * 1024 * 1024),
  totalBytes: 10 * 1024 * 1024,
  secondsElapsed: null,
  secondsRemaining: null,
  currentFiles: [],
  ...extra,
});

it('on a terminal rewrites one line, at most ten times a second, and clears it at the end', () => {
  const { w, chunks } = sink();
  let now = 0;
  const r = progressReporter(w, 'backing up payments', true, () => now);
  r.onProgress(p(0.1));
  now += 50;
  r.onProgress(p(0.2)); // too soon: skipped
  now += 60;
  r.onProgress(p(0.3, { secondsRemaining: 4, filesDone: 1 }));
  r.onProgress(p(1, { filesDone: 2 })); // the end is always drawn
  r.done();
  expect(chunks).toEqual([
    '\r\x1b[Kbacking up payments: 10% 1.0 MiB / 10.0 MiB, 0/2 files',
    '\r\x1b[Kbacking up payments: 30% 3.0 MiB / 10.0 MiB, 1/2 files, 4s left',
    '\r\x1b[Kbacking up payments: 100% 10.0 MiB / 10.0 MiB, 2/2 files',
    '\r\x1b[K',
  ]);
});

it('without a terminal prints a line per 10% step or every 5 seconds', () => {
  const { w, chunks } = sink();
  let now = 0;
  const r = progressReporter(w, 'b', false, () => now);
  for (const x of [0, 0.01, 0.05, 0.11, 0.12, 0.35]) {
    r.onProgress(p(x));
    now += 100;
  }
  now += 5000;
  r.onProgress(p(0.36)); // same step, but 5 s passed
  r.done();
  expect(chunks.map((c) => c.split(':')[1].trim().split(' ')[0])).toEqual(['0%', '11%', '35%', '36%']);
  expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
});

it('formats sizes', () => {
  expect([formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual([
    '0 B',
    '1023 B',
    '1.5 KiB',
    '5.0 GiB',
  ]);
});
