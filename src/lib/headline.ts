/**
 * The run's headline in one sentence and a few big numbers: used by the page's
 * description meta tags, the key-numbers panel and the social card, so all three
 * say the same thing.
 */
import type { Facts } from './facts.ts';
import { compact, pct, pctRange, times } from './format.ts';

export interface HeadlineNumber {
  value: string;
  label: string;
}

export interface Headline {
  sentence: string;
  numbers: HeadlineNumber[];
}

export function headline(f: Facts): Headline {
  const pick = f.smallestMatchingBest;
  const base = f.baseline;
  const acc = pick.evaluation.accuracy;
  const numbers: HeadlineNumber[] = [
    { value: pct(acc), label: `test accuracy, ${pick.name}` },
    { value: compact(pick.params.total), label: `parameters, ${pick.name}` },
  ];
  let sentence = `${pick.name} reaches ${pct(acc)} test accuracy (95% CI ${pctRange(pick.evaluation.accuracyCI95)}) with ${compact(pick.params.total)} parameters`;
  if (base && base !== pick) {
    numbers.push({ value: times(base.params.total, pick.params.total), label: 'fewer parameters than ResNet50' });
    numbers.push({ value: pct(base.evaluation.accuracy), label: 'test accuracy, ResNet50' });
    sentence += `, ${times(base.params.total, pick.params.total)} fewer than ResNet50 (${pct(base.evaluation.accuracy)})`;
  }
  sentence += ` on ${compact(pick.evaluation.testImages)} held-out Medical MNIST images.`;
  return { sentence, numbers };
}
