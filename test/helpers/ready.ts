/** Waiting for a server the tests started (Alertmanager, Prometheus) to answer its `/-/ready` endpoint. */
import type { ChildProcess } from 'node:child_process';

/**
 * Poll `URL/-/ready` every 50 ms until it answers 2xx. Throws, with the end of the server's output, when the
 * process exits first or `timeoutMs` passes.
 */
export async function waitReady(
  name: string,
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log().slice(-800)}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} at ${url} not ready after ${timeoutMs} ms: ${log().slice(-800)}`);
}
