/**
 * The one vocabulary of runs, for every place a run is shown: the Day-1 and Day-2 views, `dayops runs`,
 * `dayops status`, the headless messages and the README. The words are the `--json` values (the contract users
 * script against): a run's name is its `kind` (`tracked`, `proposed`), or its `purpose` when that is not a plain
 * deploy (`drift`, `remediation`); a state is its `state` value, with one symbol each.
 */
import type { RunKind, RunPurpose, RunState } from '../day1/runner/state.js';

/** What a run is called everywhere: `kindName` in `--json`. */
export type RunKindName = 'tracked' | 'proposed' | 'drift' | 'remediation';

export const RUN_KIND_NAMES: readonly RunKindName[] = ['tracked', 'proposed', 'drift', 'remediation'];

/** What each kind of run does, in the words of the README. */
export const RUN_KIND_MEANING: Record<RunKindName, string> = {
  tracked: 'plans, waits for approval (unless auto-applied), then applies',
  proposed: 'plans only; never applies',
  drift: 'a proposed run that checks the stack for drift',
  remediation: 'a tracked run that brings drifted resources back to the code',
};

/** The name of a run: `tracked`/`proposed` for a deploy, else its purpose (`drift`, `remediation`). */
export function runKindName(r: { kind: RunKind; purpose: RunPurpose }): RunKindName {
  return r.purpose === 'deploy' ? r.kind : r.purpose;
}

/** The symbol of a run waiting for approval, the same in every view, list and command. */
export const WAITING_SYMBOL = '◆';

export const STATE_SYMBOL: Record<RunState, string> = {
  QUEUED: '◌',
  INITIALIZING: '▶',
  PLANNING: '▶',
  UNCONFIRMED: WAITING_SYMBOL,
  APPLYING: '▶',
  VALIDATING: '▶',
  FINISHED: '✓',
  FAILED: '✗',
  DISCARDED: '–',
  CANCELED: '⊘',
  POLICY_DENIED: '✗',
};

/** What each state means, in the words of the README. */
export const STATE_MEANING: Record<RunState, string> = {
  QUEUED: 'waiting to start',
  INITIALIZING: 'the tool is initialising',
  PLANNING: 'the tool is planning',
  UNCONFIRMED: 'waiting for approval',
  APPLYING: 'the tool is applying the approved plan',
  VALIDATING: "the apply succeeded; the stack's after-apply checks are running",
  FINISHED: 'ended well',
  FAILED: 'ended with an error',
  DISCARDED: 'a waiting run that was discarded',
  CANCELED: 'canceled (its tool was interrupted)',
  POLICY_DENIED: 'a policy denied the plan; nothing was applied',
};

/** The short forms a narrow column may use (the same word, cut). */
const SHORT: Partial<Record<RunState, string>> = { POLICY_DENIED: 'DENIED', INITIALIZING: 'INIT' };

/** `◆ UNCONFIRMED`; with `short`, `✗ DENIED` and `▶ INIT`. */
export function stateText(state: RunState, short = false): string {
  return `${STATE_SYMBOL[state]} ${(short && SHORT[state]) || state}`;
}

/** `UNCONFIRMED (waiting for approval)`: the state as the contract names it, and what it means. */
export function stateExplained(state: RunState): string {
  return `${state} (${STATE_MEANING[state]})`;
}

/** The README's table of run names and states (test/readme.test.ts keeps the README equal to it). */
export function runWordsMarkdown(): string {
  const out = ['| Run | What it is |', '| --- | --- |'];
  for (const k of RUN_KIND_NAMES) out.push(`| \`${k}\` | ${RUN_KIND_MEANING[k]} |`);
  out.push('', '| State | What it means |', '| --- | --- |');
  for (const s of Object.keys(STATE_SYMBOL) as RunState[])
    out.push(`| \`${STATE_SYMBOL[s]} ${s}\` | ${STATE_MEANING[s]} |`);
  return out.join('\n');
}
