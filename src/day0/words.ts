/**
 * Counted nouns and the verbs that agree with them, for every sentence dayops generates about a design (audit
 * messages, DESIGN.md, comments in the code): "1 NAT gateway lets them", "2 NAT gateways let them".
 */

/** `1 subnet`, `2 subnets`; `many` for a plural that is not the noun plus s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The verb that agrees with a count: `agree(1, 'lets', 'let')` is `lets`. */
export function agree(n: number, singular: string, pluralForm: string): string {
  return n === 1 ? singular : pluralForm;
}
