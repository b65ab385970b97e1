/**
 * Where a character of a YAML string value sits in the file: for errors found inside a value (a CEL expression
 * that does not parse) that should point at the file's line and column, not the value's. Works for every scalar
 * style: plain, quoted (escapes such as `\"` and `''` take two characters in the file for one in the value) and
 * block (`|`, `>`: the value starts on the line after the indicator, each line indented).
 */
import { isScalar, type LineCounter, type Node } from 'yaml';

export interface FilePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/**
 * The file position of `offset` (0-based, in the value's characters) of a string scalar `node` parsed from
 * `text`; undefined when the node is not a string scalar. The value's characters are matched in order against the
 * file's text of the node (whitespace in the value is skipped: folding and indentation make it differ), so an
 * offset at a token lands on that token.
 */
export function positionInScalar(
  text: string,
  node: Node | null | undefined,
  offset: number,
  lineCounter: LineCounter,
): FilePosition | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const value = node.value;
  const [start, end] = node.range;
  let pos = start;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    pos = nl < 0 || nl >= end ? end : nl + 1;
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') pos = start + 1;
  const upTo = Math.max(0, Math.min(offset, value.length));
  for (let i = 0; i < upTo; i++) {
    const ch = value[i];
    if (/\s/.test(ch)) continue;
    const at = text.indexOf(ch, pos);
    if (at < 0 || at >= end) return undefined;
    pos = at + 1;
  }
  // The character itself: the next one of the value that is not whitespace, or just after the last one.
  const target = upTo < value.length && !/\s/.test(value[upTo]) ? text.indexOf(value[upTo], pos) : pos;
  const p = lineCounter.linePos(target >= 0 && target < end ? target : pos);
  return { line: p.line, column: p.col };
}
