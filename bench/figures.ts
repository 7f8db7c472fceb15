// How benchmarks report: named figures with their unit and, where the design sets one, the bar
// (a limit, or a ratio to a peer measured in the same run). Every figure printed is also kept for
// `--json`; a missed bar is labelled MISSED, and `--strict` turns any miss into a non-zero exit.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The bar as people read it, e.g. ">= 12,000 /s" or "<= 1.15x one raw verify". */
  bar?: string;
  ok?: boolean;
  note?: string;
}

/** Every figure printed in this run, by section, for `--json`. */
export const recorded: { section: string; figures: Figure[] }[] = [];

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: v < 10 ? 2 : 1 }));

/** A figure that must be at least `min` (`what` names the limit when it is a peer's figure times a ratio). */
export function atLeast(name: string, value: number, unit: string, min: number, what = `${fmt(min)} ${unit}`.trim(), note?: string): Figure {
  return { name, value, unit, bar: `>= ${what}`, ok: value >= min, note };
}

/** A figure that must be at most `max`. */
export function atMost(name: string, value: number, unit: string, max: number, what = `${fmt(max)} ${unit}`.trim(), note?: string): Figure {
  return { name, value, unit, bar: `<= ${what}`, ok: value <= max, note };
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  recorded.push({ section: title, figures: [...figures] });
  console.log(`\n${title}`);
  for (const f of figures) {
    const verdict = f.ok === undefined ? '' : f.ok ? '  ok' : '  MISSED';
    const bar = f.bar ? `  (bar ${f.bar})` : '';
    console.log(`  ${f.name.padEnd(58)} ${`${fmt(f.value)} ${f.unit}`.padStart(18)}${bar}${verdict}${f.note ? `  ${f.note}` : ''}`);
  }
}

/** The figures whose bar was missed. */
export function missed(): Figure[] {
  return recorded.flatMap((s) => s.figures.filter((f) => f.ok === false));
}
