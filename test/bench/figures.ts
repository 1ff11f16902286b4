/** A bench's figures: what run.ts prints and writes to bench-results.json, and how each is judged. */

/** What a figure is held to: `ratio` (value ÷ baseline) or the `value` itself, at most or at least `limit`. */
export interface Target {
  text: string;
  on: 'ratio' | 'value';
  comparator: '<=' | '>=';
  limit: number;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /**
   * When set, the ratio as measured in pairs: the median over rounds of (this ÷ baseline) within each
   * round, where the two ran back to back (cancels the drift of a shared machine). Else value ÷ baseline.
   */
  pairedRatio?: number;
  target?: Target;
  /** e.g. "median of 5 rounds"; anything a reader needs to judge the number. */
  note?: string;
}

/** @deprecated the old name; a figure without baseline or target. */
export type Measurement = Figure;

export interface RecordedFigure extends Figure {
  bench: string;
  ratio: number | null;
  ok: boolean | null;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** ratio and ok of a figure: ok is null when the figure has no target. */
export function judge(figure: Figure): { ratio: number | null; ok: boolean | null } {
  const ratio = figure.pairedRatio ?? (figure.baseline && figure.baseline.value !== 0 ? figure.value / figure.baseline.value : null);
  if (!figure.target) return { ratio, ok: null };
  const subject = figure.target.on === 'ratio' ? ratio : figure.value;
  if (subject === null || !Number.isFinite(subject)) return { ratio, ok: false };
  return { ratio, ok: figure.target.comparator === '<=' ? subject <= figure.target.limit : subject >= figure.target.limit };
}
