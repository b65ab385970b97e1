/**
 * A Redactor that can learn more values while a run goes on: a run learns the sensitive outputs of its upstream
 * stacks (issue 12) only once it reads them, after its log is open. Every line after `add` is masked for the new
 * values too; what was stored before cannot hold them (they were not read yet).
 */
import { Redactor, type RedactLike, type RedactOptions } from './redactor.js';

export class ExtendableRedactor implements RedactLike {
  private inner: Redactor;
  private readonly values: string[];

  constructor(values: readonly string[]) {
    this.values = [...values];
    this.inner = new Redactor(this.values);
  }

  get active(): boolean {
    return this.inner.active;
  }

  /** Mask these values too from now on. */
  add(values: readonly string[]): void {
    const fresh = values.filter((v) => !this.values.includes(v));
    if (fresh.length === 0) return;
    this.values.push(...fresh);
    this.inner = new Redactor(this.values);
  }

  redact(text: string, opts?: RedactOptions): string {
    return this.inner.redact(text, opts);
  }

  redactLine(line: string, opts?: RedactOptions): string {
    return this.inner.redactLine(line, opts);
  }

  absentFrom(text: string): boolean {
    return this.inner.absentFrom(text);
  }
}
