/** One column of the usage chart, in the SVG's own units. */
export interface UsageBar {
  readonly day: string;
  readonly requests: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Bars for requests per day in a `width` × `height` box, oldest day on the left. Heights are
 * relative to the busiest day; a day with any use gets at least 1 unit so it never looks unused.
 */
export function usageBars(
  days: readonly { readonly day: string; readonly requests: number }[],
  width: number,
  height: number,
  gap = 1,
): UsageBar[] {
  if (days.length === 0) return [];
  const max = Math.max(...days.map((d) => d.requests));
  const slot = width / days.length;
  const barWidth = Math.max(slot - gap, 1);
  return days.map((d, i) => {
    const h = max === 0 || d.requests === 0 ? 0 : Math.max((d.requests / max) * height, 1);
    return { day: d.day, requests: d.requests, x: i * slot, y: height - h, width: barWidth, height: h };
  });
}
