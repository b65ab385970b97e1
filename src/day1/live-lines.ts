/**
 * The last lines of runs driven by this process that may not be in the database yet (the run log stores them in
 * batches every ~50 ms), so a view that follows a run shows each line as it comes. One per app
 * (`services.use(LIVE_LINES)`), shut down when the app quits.
 */
import type { LogLine } from '../db/logs.js';
import { serviceKey } from '../services.js';
import { RUN_SERVICE, type RunRecord, type RunService } from './run-service/index.js';
import { isTerminal } from './runner/state.js';
import { LineRing } from './runner/ring.js';

/** Lines of live runs kept in memory, per run; older lines are read from the database. */
const RING = 4000;

/** Recent lines of the runs this process drives, and a signal when any arrive. */
export class LiveLines {
  private readonly rings = new Map<number, LineRing>();
  private readonly phaseStarts = new Map<number, Record<string, number>>();
  private readonly listeners = new Set<(runId: number) => void>();
  private readonly onLine = (line: LogLine) => {
    let ring = this.rings.get(line.runId);
    if (!ring) {
      ring = new LineRing(RING);
      this.rings.set(line.runId, ring);
    }
    const last = ring.length > 0 ? ring.last(1)[0].seq : 0;
    if (line.seq !== last + 1) ring.clear();
    ring.push(line);
    if (line.phase) {
      const p = this.phaseStarts.get(line.runId) ?? {};
      if (p[line.phase] === undefined) p[line.phase] = line.seq;
      this.phaseStarts.set(line.runId, p);
    }
    for (const fn of this.listeners) fn(line.runId);
  };

  /** A run that ended or parked has every line stored: its memory copy goes. */
  private readonly onState = (run: RunRecord) => {
    if (isTerminal(run.state) || run.state === 'UNCONFIRMED') this.forget(run.id);
  };

  constructor(private readonly svc: RunService) {
    svc.on('line', this.onLine);
    svc.on('state', this.onState);
  }

  /** The last seq seen for the run (0 when none). */
  lastSeq(runId: number): number {
    const ring = this.rings.get(runId);
    return ring && ring.length > 0 ? ring.last(1)[0].seq : 0;
  }

  /** Up to `limit` lines with seq > `afterSeq`, from memory, contiguous from afterSeq + 1 (or none). */
  after(runId: number, afterSeq: number, limit: number): LogLine[] {
    const ring = this.rings.get(runId);
    if (!ring || ring.length === 0 || limit <= 0) return [];
    const need = ring.last(1)[0].seq - afterSeq;
    if (need <= 0 || need > ring.length) return [];
    return ring.last(need).slice(0, limit);
  }

  /** Phases first seen in the live lines: {plan: 14}. */
  phases(runId: number): Record<string, number> {
    return this.phaseStarts.get(runId) ?? {};
  }

  /** Forget a run's lines (it ended; everything is stored). */
  forget(runId: number): void {
    this.rings.delete(runId);
    this.phaseStarts.delete(runId);
  }

  subscribe(fn: (runId: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  shutdown(): void {
    this.svc.off('line', this.onLine);
    this.svc.off('state', this.onState);
    this.listeners.clear();
    this.rings.clear();
  }
}

/** The app's live lines, following the app's run service. */
export const LIVE_LINES = serviceKey('day1.lines', (s) => new LiveLines(s.use(RUN_SERVICE)));
