/**
 * The run's headline: its finding in one sentence (src/lib/finding.ts), the conditions the
 * numbers hold under (initialisation, budget), and a few big numbers. Used by the page's
 * first screen, its description meta tags and the social card, so all three say the same.
 */
import type { Facts } from './facts.ts';
import { capitalize } from './format.ts';
import { computeFinding } from './finding.ts';
import { conditions } from './prose.ts';

export interface HeadlineNumber {
  value: string;
  label: string;
}

export interface Headline {
  /** The finding, one sentence. */
  sentence: string;
  /** Initialisation and budget behind the numbers, as one clause. */
  conditions: string;
  /** The sentence and the conditions, as the page's description (meta, Open Graph, Twitter). */
  description: string;
  numbers: HeadlineNumber[];
}

export function headline(f: Facts): Headline {
  const finding = computeFinding(f.manifest, f.models);
  const shown = [finding.best.id, finding.reference?.id, finding.runnerUp?.id].map((id) => f.models.find((m) => m.id === id)).filter((m) => m !== undefined);
  const when = conditions(f, shown);
  return { sentence: finding.sentence, conditions: when, description: `${finding.sentence} ${capitalize(when)}.`, numbers: finding.numbers };
}
