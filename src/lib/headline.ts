/**
 * The run's headline in one sentence and a few big numbers: used by the page's
 * description meta tags, the key-numbers panel and the social card, so all three
 * say the same thing, with the conditions (initialisation, budget) that the
 * headline number holds under.
 */
import type { Facts } from './facts.ts';
import { compact, pct, times } from './format.ts';
import { conditions, headlineSentence } from './prose.ts';

export interface HeadlineNumber {
  value: string;
  label: string;
}

export interface Headline {
  sentence: string;
  /** Initialisation and budget behind the numbers, as one clause. */
  conditions: string;
  numbers: HeadlineNumber[];
}

export function headline(f: Facts): Headline {
  const pick = f.smallestMatchingBest;
  const base = f.baseline;
  const init = (kind: string) => (kind === 'imagenet' ? 'ImageNet init' : 'random init');
  const numbers: HeadlineNumber[] = [
    { value: pct(pick.evaluation.accuracy), label: `test accuracy, ${pick.name}` },
    { value: compact(pick.params.total), label: `parameters, ${pick.name}` },
  ];
  if (base && base !== pick) {
    numbers.push({ value: times(base.params.total, pick.params.total), label: 'fewer parameters than ResNet50' });
    numbers.push({ value: pct(base.evaluation.accuracy), label: `test accuracy, ResNet50 (${init(base.initialWeights.kind)}, ${base.training.epochsCompleted} ${base.training.epochsCompleted === 1 ? 'epoch' : 'epochs'})` });
  }
  return { sentence: headlineSentence(f), conditions: conditions(f), numbers };
}
