/**
 * Figure numbers. The paper refers to its figures by number ("Figure 3") from the
 * text, before or after the figure itself, so the numbers are fixed here, in reading
 * order, rather than counted while rendering. A section that adds a figure adds its
 * id here; the browser tests check that the numbers on the page run 1, 2, 3… in
 * document order, so a figure placed out of order or left out of this list fails.
 */
export const FIGURES = [
  'fig-training-curves',
  'fig-confusion-matrix',
  'fig-per-class-f1',
  'fig-accuracy-vs-cost',
  'fig-activations',
  'fig-propagation',
  'fig-cka-reference',
  'fig-first-filters',
  'fig-probes-by-depth',
  'fig-grad-cam',
  'fig-near-duplicates',
  'fig-nearest-train',
  'fig-robustness',
] as const;

export type FigureId = (typeof FIGURES)[number];

/** 1-based number of a figure; throws for an id that is not listed (a typo would otherwise print "Figure 0"). */
export function figureNumber(id: string): number {
  const i = (FIGURES as readonly string[]).indexOf(id);
  if (i < 0) throw new Error(`figure "${id}": not in FIGURES (src/lib/figures.ts); add it there in reading order`);
  return i + 1;
}

/** "Figure 3" */
export function figureLabel(id: string): string {
  return `Figure ${figureNumber(id)}`;
}
