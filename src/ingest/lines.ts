/**
 * Byte-level line splitting for JSON Lines. Splits on `\n` only: real OpenAlex titles contain
 * U+2028 and stray `\r`, which readers that split on every Unicode line break cut in two.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** A decompressing stream when the file starts with the gzip magic bytes, else the raw stream. */
export function openMaybeGzip(path: string, gzipped: boolean): Readable {
  const raw = createReadStream(path);
  return gzipped ? raw.pipe(createGunzip()) : raw;
}

/**
 * A line's text without what is not content: a UTF-8 byte order mark at its start (editors write
 * one at the start of a file, and `cat` of such files puts it at the start of a line; JSON.parse
 * and CSV headers do not accept it) and the `\r` of a CRLF line ending. A `\r` inside a line is kept.
 */
function lineText(bytes: Buffer): string {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
  return text;
}

/**
 * Yields each `\n`-terminated line (without the `\n`, a CRLF's `\r` or a BOM) with its 1-based line
 * number. Given `wanted`, only the lines it wants and those that may be blank (any line that does
 * not start with a visible ASCII character) are made into text: picking a few lines out of a large
 * part then costs about what decompressing it does.
 */
export async function* splitLines(stream: AsyncIterable<Buffer>, wanted?: (line: number) => boolean): AsyncGenerator<{ line: number; text: string }> {
  let pending: Buffer[] = [];
  let line = 0;
  const keep = (first: number | undefined): boolean => wanted === undefined || wanted(line) || !startsVisibly(first);
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      line++;
      const first = pending.length > 0 ? pending[0]![0] : start < nl ? chunk[start] : undefined;
      if (keep(first)) {
        pending.push(chunk.subarray(start, nl));
        yield { line, text: lineText(Buffer.concat(pending)) };
      }
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    line++;
    if (keep(pending[0]![0])) yield { line, text: lineText(Buffer.concat(pending)) };
  }
}

/** A line starting with this byte holds something other than whitespace (a BOM and U+3000 are not ASCII). */
const startsVisibly = (byte: number | undefined): boolean => byte !== undefined && byte > 0x20 && byte < 0x7f;
