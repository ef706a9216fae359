/**
 * The local server's reading of OpenAlex's `*.search` filters: the same query language
 * (words, "quoted phrases", AND/OR/NOT, parentheses, `|` between alternatives) over the same
 * kind of analysis OpenAlex documents: case-folded whole words, stemmed ("possums" finds
 * "possum"), hyphens and punctuation as word breaks. The stemmer is a light one, applied to
 * text and query alike, so a literal word-boundary match is always a search match too.
 */

/** Folds case and accents, splits on anything that is not a letter or digit, stems. */
export function analyze(text: string): string[] {
  return text
    // Like the standard tokenizer: every CJK ideograph is a token of its own.
    .replace(/(\p{Script=Han})/gu, ' $1 ')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .map(stem);
}

/**
 * Plural endings only: networks, therapies, boxes and "AIs" lose them. OpenAlex documents the
 * KStem filter; this is deliberately no stronger: "diagnoses" and "viruses" keep forms unlike
 * "diagnosis" and "virus", as under stemmers that do not know them, so a planner that relies on
 * stemming for those plurals fails the superset test here instead of losing works out there.
 */
function stem(token: string): string {
  if (token.length > 4 && token.endsWith('ies')) return `${token.slice(0, -3)}y`;
  if (/(?:sses|xes|ches|shes|zes)$/.test(token)) return token.slice(0, -2);
  if (token.length >= 3 && token.endsWith('s') && !/(?:ss|us|is)$/.test(token)) return token.slice(0, -1);
  return token;
}

export type SearchNode =
  | { kind: 'term'; tokens: string[] }
  | { kind: 'and' | 'or'; nodes: SearchNode[] }
  | { kind: 'not'; node: SearchNode };

/** Thrown for a query OpenAlex would refuse; the server turns it into a 400. */
export class SearchSyntaxError extends Error {}

/** Parses one search filter value; `|` separates alternatives at the top level. */
export function parseSearch(value: string): SearchNode {
  const alternatives = splitOutsideQuotes(value, '|').map(parseBoolean);
  return alternatives.length === 1 ? alternatives[0]! : { kind: 'or', nodes: alternatives };
}

/** Counts AND/OR/NOT operators, which OpenAlex throttles harder above five. */
export function countBooleanOperators(value: string): number {
  return lex(value).filter((t) => t === 'AND' || t === 'OR' || t === 'NOT').length;
}

export function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function lex(value: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|(\()|(\))|([^\s()"]+)/g;
  for (const m of value.matchAll(re)) {
    if (m[1] !== undefined) tokens.push(`"${m[1]}"`);
    else tokens.push(m[0]);
  }
  return tokens;
}

function parseBoolean(value: string): SearchNode {
  const tokens = lex(value);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];

  function parseOr(): SearchNode {
    const nodes = [parseAnd()];
    while (peek() === 'OR') {
      pos++;
      nodes.push(parseAnd());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'or', nodes };
  }
  function parseAnd(): SearchNode {
    const nodes = [parseUnary()];
    for (let t = peek(); t !== undefined && t !== 'OR' && t !== ')'; t = peek()) {
      if (t === 'AND') pos++;
      nodes.push(parseUnary());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes };
  }
  function parseUnary(): SearchNode {
    const t = tokens[pos++];
    if (t === undefined) throw new SearchSyntaxError('search query ends too early');
    if (t === 'NOT') return { kind: 'not', node: parseUnary() };
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos++] !== ')') throw new SearchSyntaxError('unbalanced parentheses in search query');
      return inner;
    }
    if (t === ')' || t === 'AND' || t === 'OR') throw new SearchSyntaxError(`unexpected ${t} in search query`);
    const words = analyze(t.startsWith('"') ? t.slice(1, -1) : t);
    // A bare word that analyses to several tokens ("deep-learning") is searched as a phrase.
    return { kind: 'term', tokens: words };
  }

  const node = parseOr();
  if (pos < tokens.length) throw new SearchSyntaxError('unbalanced parentheses in search query');
  return node;
}

/** True when the analysed text satisfies the query. */
export function matches(node: SearchNode, text: readonly string[]): boolean {
  switch (node.kind) {
    case 'and':
      return node.nodes.every((n) => matches(n, text));
    case 'or':
      return node.nodes.some((n) => matches(n, text));
    case 'not':
      return !matches(node.node, text);
    case 'term':
      return containsPhrase(text, node.tokens);
  }
}

function containsPhrase(text: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= text.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (text[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
