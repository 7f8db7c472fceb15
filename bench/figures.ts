// How benchmarks report: named figures with their unit and, where the design sets one, the bar.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  bar?: string;
  ok?: boolean;
  note?: string;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  console.log(`\n${title}`);
  for (const f of figures) {
    const value = Number.isInteger(f.value)
      ? f.value.toLocaleString('en')
      : f.value.toFixed(f.value < 10 ? 2 : 1);
    const verdict = f.ok === undefined ? '' : f.ok ? '  ok' : '  BELOW BAR';
    const bar = f.bar ? `  (bar ${f.bar})` : '';
    console.log(
      `  ${f.name.padEnd(48)} ${`${value} ${f.unit}`.padStart(20)}${bar}${verdict}${f.note ? `  ${f.note}` : ''}`,
    );
  }
}
