/**
 * Whether the text read so far can still be the beginning of one JSON document. The snapshot
 * reader buffers a file only while this holds, so it can tell a (pretty-printed) document from
 * JSON Lines without holding a whole JSON Lines file in memory: JSON Lines stops being a valid
 * prefix at its second work (two values with no comma between them) or at its first bad line.
 *
 * The scan follows JSON's structure (brackets, strings and their escapes, colons, commas) and is
 * lenient only inside numbers and literals, so it never refuses a real document; erring the other
 * way just keeps buffering a little longer.
 */

type Expect =
  | 'value' // a value: the top level, after `:`, after `,` in an array
  | 'valueOrClose' // just after `[`: a value or `]`
  | 'keyOrClose' // just after `{`: a key or `}`
  | 'key' // after `,` in an object
  | 'colon'
  | 'afterValue' // `,` or the closing bracket; at the top level only whitespace
  | 'string'
  | 'escape'
  | 'unicode'
  | 'number'
  | 'literal';

/** The next character of a string that is not plain text: its end, an escape, a control character. */
const STRING_PLAIN = /["\\\u0000-\u001f]/g;
/** The next character that is not whitespace. */
const BETWEEN_TOKENS = /[^ \t\n\r]/g;
const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const ESCAPES = new Set('"\\/bfnrtu'.split('').map((c) => c.charCodeAt(0)));
const NUMBER_CHAR = /[0-9eE.+-]/;
const HEX = /[0-9a-fA-F]/;

export class JsonPrefix {
  private expect: Expect = 'value';
  /** Open brackets, innermost last. */
  private readonly stack: number[] = [];
  private stringIsKey = false;
  private hexLeft = 0;
  private literalLeft = '';
  private ok = true;

  /** Whether everything fed so far can begin one JSON document. */
  get valid(): boolean {
    return this.ok;
  }

  /** Reads more text; returns `valid`. Once invalid it stays invalid. */
  feed(text: string): boolean {
    let i = 0;
    while (i < text.length && this.ok) {
      // Skip a string's plain characters and the whitespace between tokens with one regex each:
      // a pretty-printed document is mostly those, and a step per character is ten times slower.
      const skip = this.expect === 'string' ? STRING_PLAIN : this.expect === 'number' || this.expect === 'literal' || this.expect === 'escape' || this.expect === 'unicode' ? null : BETWEEN_TOKENS;
      if (skip !== null) {
        skip.lastIndex = i;
        if (skip.exec(text) === null) return this.ok;
        i = skip.lastIndex - 1;
      }
      if (!this.step(text.charCodeAt(i))) this.ok = false;
      i++;
    }
    return this.ok;
  }

  private step(c: number): boolean {
    switch (this.expect) {
      case 'string':
        if (c === 0x22) {
          this.expect = this.stringIsKey ? 'colon' : 'afterValue';
          return true;
        }
        if (c === 0x5c) this.expect = 'escape';
        // A raw control character (a line break above all) cannot be inside a JSON string.
        return c >= 0x20;
      case 'escape':
        if (!ESCAPES.has(c)) return false;
        if (c === 0x75) {
          this.expect = 'unicode';
          this.hexLeft = 4;
        } else this.expect = 'string';
        return true;
      case 'unicode':
        if (!HEX.test(String.fromCharCode(c))) return false;
        if (--this.hexLeft === 0) this.expect = 'string';
        return true;
      case 'literal':
        if (c !== this.literalLeft.charCodeAt(0)) return false;
        this.literalLeft = this.literalLeft.slice(1);
        if (this.literalLeft === '') this.expect = 'afterValue';
        return true;
      case 'number':
        if (NUMBER_CHAR.test(String.fromCharCode(c))) return true;
        this.expect = 'afterValue';
        return this.step(c);
      default:
        break;
    }
    if (isWhitespace(c)) return true;
    switch (this.expect) {
      case 'value':
      case 'valueOrClose':
        if (this.expect === 'valueOrClose' && c === 0x5d) return this.close(0x5b);
        return this.startValue(c);
      case 'keyOrClose':
        if (c === 0x7d) return this.close(0x7b);
        return this.startKey(c);
      case 'key':
        return this.startKey(c);
      case 'colon':
        if (c !== 0x3a) return false;
        this.expect = 'value';
        return true;
      case 'afterValue': {
        const open = this.stack[this.stack.length - 1];
        if (open === undefined) return false; // a second top-level value: not one document
        if (c === 0x2c) {
          this.expect = open === 0x7b ? 'key' : 'value';
          return true;
        }
        return this.close(open === 0x7b ? 0x7b : 0x5b, c);
      }
      default:
        return false;
    }
  }

  private startValue(c: number): boolean {
    if (c === 0x7b || c === 0x5b) {
      this.stack.push(c);
      this.expect = c === 0x7b ? 'keyOrClose' : 'valueOrClose';
      return true;
    }
    if (c === 0x22) {
      this.stringIsKey = false;
      this.expect = 'string';
      return true;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.expect = 'number';
      return true;
    }
    const literal = ['true', 'false', 'null'].find((l) => l.charCodeAt(0) === c);
    if (literal === undefined) return false;
    this.literalLeft = literal.slice(1);
    this.expect = 'literal';
    return true;
  }

  private startKey(c: number): boolean {
    if (c !== 0x22) return false;
    this.stringIsKey = true;
    this.expect = 'string';
    return true;
  }

  /** Closes the innermost bracket if `c` (default: the bracket's own closer) matches it. */
  private close(open: number, c: number = open + 2): boolean {
    // `]` is `[` + 2 and `}` is `{` + 2 in ASCII.
    if (this.stack[this.stack.length - 1] !== open || c !== open + 2) return false;
    this.stack.pop();
    this.expect = 'afterValue';
    return true;
  }
}
