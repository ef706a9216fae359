/**
 * The file operations several layers share: a file's sha256, streamed so a snapshot part of
 * gigabytes is never held whole; a file written whole (under a temporary name, then renamed), so a
 * kill leaves the complete file or none; and whether a file is a Parquet part.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, writeFile } from 'node:fs/promises';

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  // 1 MB chunks: the default 64 KB makes a 1 GB part 16,000 reads and event-loop turns.
  for await (const chunk of fh.createReadStream({ highWaterMark: 2 ** 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function writeWhole(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** A Parquet part (`part_0000.snappy.parquet`): only the duckdb reader reads these. */
export const isParquetPath = (path: string): boolean => /\.parquet$/i.test(path);
