/**
 * Every headless command, by the words that select it. To add one, write it in its own module and add one
 * entry here.
 */
import type { Command } from './context.js';
import { stackList } from './stack.js';
import { designCommand } from './design.js';
import { approveCommand, cancelCommand, discardCommand, runCommand, runsCommand } from './run.js';
import { stackAdd } from './stack-add.js';
import { alertsList, alertsSync } from './alerts.js';
import { demoCommand } from './demo.js';
import { backupList, backupPrune, backupRun, backupSelfCmd, backupStatusCmd, backupVerify } from './backup.js';
import { driftCommand } from './drift.js';
import { statusCommand } from './status.js';
import { sloCommand } from './slo.js';
import { notifying, notifyTestCommand } from './notify.js';
import { graphCommand } from './graph.js';
import { checkCommand } from './check.js';
import { promoteCommand, rollbackCommand } from './promote.js';
import { workerCommand } from './worker.js';
import { logsCommand } from './logs.js';
import { teamPushCommand } from './team-push.js';
import { teamInit, teamWhoami } from './team.js';

export const COMMANDS: Command[] = [
  // Day-0
  designCommand,
  stackList,
  stackAdd,
  // Day-1
  runCommand,
  approveCommand,
  notifying(discardCommand),
  notifying(cancelCommand),
  runsCommand,
  logsCommand,
  workerCommand,
  graphCommand,
  checkCommand,
  promoteCommand,
  rollbackCommand,
  // Day-2
  statusCommand,
  driftCommand,
  alertsList,
  alertsSync,
  sloCommand,
  notifying(backupRun),
  backupList,
  notifying(backupVerify),
  backupPrune,
  backupStatusCmd,
  backupSelfCmd,
  demoCommand,
  notifyTestCommand,
  teamPushCommand,
  teamInit,
  teamWhoami,
];

/** The command whose name matches the longest prefix of argv (`backup run` before `backup`). */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}
