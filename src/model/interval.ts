/** A proportion's 95% interval: for precisions from samples as small as a hand review's. */

export interface Interval {
  low: number;
  high: number;
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval: unlike the normal approximation it stays inside [0, 1] and behaves at
 * 0/n and n/n, which matters here because a corpus may hold fewer than 20 AI-positive works.
 */
export function wilson(successes: number, trials: number, z = Z95): Interval | null {
  if (trials === 0) return null;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
