/**
 * Fetch progress on stderr: a bar on a terminal (slices, pages, works, USD, ETA), plain lines
 * every few seconds otherwise, so a scheduled job's log shows it is alive without flooding.
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';

/** Where text goes: a stream, or a test's collector. `isTTY` decides between a bar and plain lines. */
export interface Writer {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface FetchProgressState {
  slicesDone: number;
  slicesTotal: number;
  pages: number;
  /** Estimated pages this run will request (from the counts asked up front). */
  pagesTotal: number;
  works: number;
  usd: number;
}

export interface FetchProgress {
  update(state: FetchProgressState): void;
  stop(state: FetchProgressState): void;
}

export const quietProgress: FetchProgress = { update() {}, stop() {} };

/** Seconds between plain progress lines when stderr is not a terminal. */
const PLAIN_INTERVAL_MS = 10_000;

function line(s: FetchProgressState, eta: string): string {
  return `fetch: slices ${s.slicesDone}/${s.slicesTotal}, pages ${s.pages}/~${s.pagesTotal}, works ${s.works}, $${s.usd.toFixed(4)} spent${eta}`;
}

/** Time left at the pace so far, once there is a pace to go by. */
function etaText(s: FetchProgressState, elapsedMs: number): string {
  if (s.pages === 0 || elapsedMs <= 0 || s.pages >= s.pagesTotal) return '';
  return `, ETA ${durationText(((s.pagesTotal - s.pages) * elapsedMs) / s.pages / 1000)}`;
}

/** A duration as people read it: "0.5 s", "45 s", "12 min", "3 h 10 min". */
export function durationText(seconds: number): string {
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  const minutes = Math.round(s / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A bar when `stream` is a terminal, plain lines otherwise. */
export function progressOn(stream: Writer, now: () => number = Date.now): FetchProgress {
  if (stream.isTTY === true) {
    // Loaded when a bar is drawn, not at start-up: most commands never draw one.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
    const bar = new cliProgress.SingleBar(
      {
        // A terminal is a real stream: the bar moves the cursor on it.
        stream: stream as NodeJS.WriteStream,
        format: 'fetch [{bar}] {percentage}% | slices {slicesDone}/{slicesTotal} | pages {value}/{total} | works {works} | ${usd} | ETA {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const payload = (s: FetchProgressState): Record<string, string | number> => ({ slicesDone: s.slicesDone, slicesTotal: s.slicesTotal, works: s.works, usd: s.usd.toFixed(4) });
    return {
      update(s) {
        if (!started) {
          bar.start(Math.max(s.pagesTotal, s.pages), s.pages, payload(s));
          started = true;
          return;
        }
        bar.setTotal(Math.max(s.pagesTotal, s.pages));
        bar.update(s.pages, payload(s));
      },
      stop(s) {
        if (started) {
          bar.update(s.pages, payload(s));
          bar.stop();
        }
      },
    };
  }
  let last = -Infinity;
  let started: number | null = null;
  return {
    update(s) {
      started ??= now();
      if (now() - last < PLAIN_INTERVAL_MS) return;
      last = now();
      stream.write(`${line(s, etaText(s, now() - started))}\n`);
    },
    stop(s) {
      stream.write(`${line(s, '')}\n`);
    },
  };
}
