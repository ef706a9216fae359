/**
 * URLs without credentials. Every URL the fetcher stores (checkpoints, raw cursor files, record
 * origins, the manifest's source) or prints is built from a base URL passed through `redactUrl`
 * (in the planner), and every printed error URL passes through it again, so a user name, password
 * or key written into OPENALEX_BASE_URL never reaches a file or a terminal. The key itself travels
 * in the Authorization header only.
 */
import { UserError } from '../errors.js';

/**
 * Query parameters that carry a secret: OpenAlex's own `api_key`, and the names other gateways
 * and proxies use for one. Matched without regard to case. (`mailto` is an address, not a secret.)
 */
const CREDENTIAL_PARAMS = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'password', 'secret']);
/** The same names as `name=value` pairs inside text that does not parse as a URL. */
const CREDENTIAL_PAIR = new RegExp(`([?&])(?:${[...CREDENTIAL_PARAMS].map((k) => k.replace(/-/g, '\\-')).join('|')})=[^&#]*&?`, 'gi');

/** `url` without user name, password or credential query parameters; unchanged when it has none. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL we can take apart: cut anything that looks like userinfo or a credential parameter.
    return url.replace(/\/\/[^/?#@]*@/, '//').replace(CREDENTIAL_PAIR, '$1').replace(/[?&]$/, '');
  }
  const secretParams = [...parsed.searchParams.keys()].filter((k) => CREDENTIAL_PARAMS.has(k.toLowerCase()));
  if (parsed.username === '' && parsed.password === '' && secretParams.length === 0) return url;
  parsed.username = '';
  parsed.password = '';
  for (const k of secretParams) parsed.searchParams.delete(k);
  return parsed.toString();
}

/**
 * OPENALEX_BASE_URL checked before anything is fetched: an http(s) address with no user name,
 * password, query or fragment. Credentials there are refused rather than dropped: the request goes
 * with the API key as a Bearer token, so a user:password would otherwise silently never be sent
 * (and a query string would end up in the middle of every request URL).
 */
export function parseBaseUrl(raw: string): string {
  const shown = redactUrl(raw);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UserError(`OPENALEX_BASE_URL is not a URL: "${shown}"`);
  }
  // Not echoed: what follows an unknown scheme is not ours to take apart.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UserError(`OPENALEX_BASE_URL must be an http(s) address, got a "${parsed.protocol}" one`);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UserError(`OPENALEX_BASE_URL must not hold a user name or password (got "${shown}" with them removed); the API key goes in OPENALEX_API_KEY`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    // Shown without them: a parameter of any name may hold a secret.
    throw new UserError(`OPENALEX_BASE_URL must be the API's address without a query or fragment (got "${parsed.origin}${parsed.pathname}" with them removed); the API key goes in OPENALEX_API_KEY`);
  }
  return raw;
}

/** The request path and query of `url`, decoded and credential-free, cut to `max` characters: for error messages. */
export function requestPath(url: string, max = 300): string {
  const safe = redactUrl(url);
  let path: string;
  try {
    const u = new URL(safe);
    path = decodeURIComponent(`${u.pathname}${u.search}`);
  } catch {
    path = safe;
  }
  return path.length > max ? `${path.slice(0, max)}... (${path.length} characters)` : path;
}
