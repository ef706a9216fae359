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

/** Yields each `\n`-terminated line (without the `\n`, a CRLF's `\r` or a BOM) with its 1-based line number. */
export async function* splitLines(stream: AsyncIterable<Buffer>): AsyncGenerator<{ line: number; text: string }> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, nl));
      line++;
      yield { line, text: lineText(Buffer.concat(pending)) };
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    line++;
    yield { line, text: lineText(Buffer.concat(pending)) };
  }
}
