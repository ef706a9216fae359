/**
 * A final answer from the API (400 bad query, 403 forbidden, 404 wrong address) is the user's to
 * fix, not a bug: `medai-trends fetch` exits 2 with OpenAlex's own message and the request path,
 * and never shows the key. Through the real CLI, against a server that answers only that status
 * and against the local OpenAlex at a wrong path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { tempDir } from './helpers.js';

const KEY = 'sk-http-errors-9c1d';
const ARGS = ['--from', '2019', '--to', '2019', '--countries', 'US', '--prefilter', 'none'];

/** A server whose every answer is `status` with `body`: the first request of a fetch gets it. */
async function answering(status: number, body: unknown): Promise<{ url: string; close: () => Promise<void>; paths: string[] }> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, paths, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a final HTTP error from the API', () => {
  const cases: [status: number, body: Record<string, string>, shown: string][] = [
    [400, { error: 'Invalid query parameters error.', message: 'publication_yer is not a valid field.' }, 'Invalid query parameters error.: publication_yer is not a valid field.'],
    [403, { error: 'Forbidden', message: 'This key may not use the works endpoint.' }, 'Forbidden: This key may not use the works endpoint.'],
    [404, { error: 'Not Found', message: 'Not Found: /works' }, 'Not Found: /works'],
  ];
  it.each(cases)('HTTP %i: exit 2 with OpenAlex\'s message and the request path, no key, no stack', async (status, body, shown) => {
    const server = await answering(status, body);
    try {
      const dir = await tempDir('medai-http-');
      const r = await runCliInProcess(['fetch', ...ARGS, '--db', join(dir, 'medai.duckdb')], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url });
      expect(r.code, r.stderr).toBe(2);
      expect(server.paths.length).toBe(1);
      expect(r.stderr).toContain(`medai-trends: OpenAlex answered HTTP ${status} to GET /works?filter=publication_year:2019-2019,authorships.countries:US&group_by=publication_year: ${shown}`);
      expect(r.stderr).not.toMatch(/unexpected error|    at /);
      expect(r.stderr).not.toContain(KEY);
    } finally {
      await server.close();
    }
  });
});

describe('OPENALEX_BASE_URL at a wrong path of the local OpenAlex', () => {
  let server: OpenAlexServer;
  beforeAll(async () => {
    server = await startOpenAlexServer({ apiKey: KEY });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('run exits 2 naming the path and the server\'s 404 message, before any page is bought', async () => {
    const dir = await tempDir('medai-http-');
    const r = await runCliInProcess(['run', ...ARGS, '--db', join(dir, 'medai.duckdb'), '--out', join(dir, 'reports')], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: `${server.url}/v2` });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('OpenAlex answered HTTP 404 to GET /v2/works?filter=');
    expect(r.stderr).toContain('/v2/works is not an endpoint of this server.');
    expect(r.stderr).not.toMatch(/unexpected error|    at /);
    expect(r.stderr).not.toContain(KEY);
    expect(server.stats.pageHits.size).toBe(0);
  });
});
