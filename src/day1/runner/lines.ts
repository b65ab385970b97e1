/**
 * Bytes from a pipe to lines: UTF-8 decoded across chunk boundaries, split on \n, a trailing \r stripped, a
 * partial line carried to the next chunk and a last line without newline given at the end. Long lines are kept
 * whole. Holding a partial line back until its newline is also what keeps a secret that a pipe read cuts in two
 * whole for the redactor; the one line that can end inside a secret is the last, when the stream stops without a
 * newline: it comes marked `cut`.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';

  /**
   * `emit` gets every line, with what `scan` said of the text it was cut from (all the lines of one write come
   * from one text, the carried partial line included): e.g. "no secret can be in these lines", so a redactor
   * checks a 64 KiB chunk once instead of each of its lines.
   */
  constructor(
    private readonly emit: (line: string, scanned: boolean, cut: boolean) => void,
    private readonly scan?: (text: string) => boolean,
  ) {}

  write(chunk: Buffer | string): void {
    let s = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.carry) {
      s = this.carry + s;
      this.carry = '';
    }
    const scanned = this.scan ? this.scan(s) : false;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.emit(s.slice(start, end), scanned, false);
      start = nl + 1;
    }
    if (start < s.length) this.carry = start === 0 ? s : s.slice(start);
  }

  /** The stream ended: give the last line if it had no newline. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.length > 0)
      this.emit(rest.endsWith('\r') ? rest.slice(0, -1) : rest, this.scan ? this.scan(rest) : false, true);
  }
}
