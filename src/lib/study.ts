/**
 * What the study being rebuilt reported about its own models, as its author's README states
 * it (kept in this repository as docs/study.md): reported figures, not re-measured here. The
 * paper sets them beside this run's figures; which of the run's models each one is about
 * goes by the models' roles in the bundle, never by their ids. tests/lib/study.test.ts
 * checks that every quote is in docs/study.md.
 */
import type { ModelRole } from '../../schema/results.ts';

export interface StudyFigure {
  /** The run's models the figure is about, by role. */
  role: ModelRole;
  /** The study's own words for those models. */
  models: string;
  /** What the study measured: it reports validation accuracy, not a held-out test split. */
  metric: 'validation accuracy';
  /** As the study reported it. */
  reported: string;
  /** The sentence of docs/study.md the figure comes from. */
  quote: string;
}

export const STUDY = {
  /** The dataset the study used (a run on other data is not set beside its figures). */
  dataset: 'Medical MNIST',
  source: { file: 'docs/study.md', notebook: 'its notebook, medical_mnist_comparison_cnn.ipynb' },
  figures: [
    {
      role: 'reference',
      models: 'ResNet50, pre-trained on ImageNet and fine-tuned',
      metric: 'validation accuracy',
      reported: '~99–100%',
      quote: 'Achieved near-perfect validation accuracy (~99–100%).',
    },
    {
      role: 'simplification',
      models: 'Every simplified CNN',
      metric: 'validation accuracy',
      reported: 'above 99%',
      quote: 'All simplified CNNs achieved **>99% validation accuracy**',
    },
  ] satisfies StudyFigure[],
} as const;

/** Whether the run's data is the study's: only then do its reported figures stand beside the run's. */
export function sameDataAsStudy(dataset: { info: { name: string } }): boolean {
  return dataset.info.name.trim().toLowerCase() === STUDY.dataset.toLowerCase();
}
