/** Precision, recall and F1 with 95% intervals, for a classifier against binary labels. */
import { seededRandom } from '../random.js';
import { wilson, type Interval } from '../model/interval.js';

// The interval lives below the stages, so the pipeline states a hand-review precision with it too.
export { wilson, type Interval } from '../model/interval.js';

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Estimate {
  /** null when the denominator is zero (e.g. precision with nothing predicted positive). */
  value: number | null;
  successes: number;
  trials: number;
  ci: Interval | null;
}

function proportion(successes: number, trials: number): Estimate {
  return { value: trials === 0 ? null : successes / trials, successes, trials, ci: wilson(successes, trials) };
}

export function f1(c: Confusion): number | null {
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? null : (2 * c.tp) / d;
}

/**
 * F1 is not a proportion, so it has no Wilson interval: a percentile bootstrap over the labelled
 * works instead (2,000 resamples, fixed seed, so reports are reproducible).
 */
export function f1Bootstrap(c: Confusion, resamples = 2000, seed = 20240501): Interval | null {
  const n = c.tp + c.fp + c.fn + c.tn;
  if (n === 0 || c.tp + c.fp + c.fn === 0) return null;
  const random = seededRandom(seed);
  const cut = [c.tp, c.tp + c.fp, c.tp + c.fp + c.fn];
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const s: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < n; i++) {
      const u = random() * n;
      if (u < (cut[0] as number)) s.tp++;
      else if (u < (cut[1] as number)) s.fp++;
      else if (u < (cut[2] as number)) s.fn++;
      else s.tn++;
    }
    values.push(f1(s) ?? 0);
  }
  values.sort((a, b) => a - b);
  return { low: values[Math.floor(0.025 * (resamples - 1))] as number, high: values[Math.ceil(0.975 * (resamples - 1))] as number };
}

export interface Metrics {
  confusion: Confusion;
  precision: Estimate;
  recall: Estimate;
  f1: { value: number | null; ci: Interval | null };
}

export function metrics(c: Confusion): Metrics {
  return {
    confusion: c,
    precision: proportion(c.tp, c.tp + c.fp),
    recall: proportion(c.tp, c.tp + c.fn),
    f1: { value: f1(c), ci: f1Bootstrap(c) },
  };
}
