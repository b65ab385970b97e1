/**
 * Bytes from a pipe to lines: UTF-8 decoded across chunk boundaries, split on \n, a trailing \r stripped, a
 * partial line carried to the next chunk and a last line without newline given at the end. Long lines are kept
 * whole.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';

  constructor(private readonly emit: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    let s = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.carry) {
      s = this.carry + s;
      this.carry = '';
    }
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.emit(s.slice(start, end));
      start = nl + 1;
    }
    if (start < s.length) this.carry = start === 0 ? s : s.slice(start);
  }

  /** The stream ended: give the last line if it had no newline. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.length > 0) this.emit(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}
