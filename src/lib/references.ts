/**
 * The paper's references, in the order of first citation. Text only; the links are
 * the works' own DOIs and addresses. The study's notebook has no public address of
 * its own: its author's description is kept in this repository (docs/study.md).
 */
import { codeSource, repositoryFileUrl } from './publishing.ts';
import { getBundle } from './results.ts';
import { sameDataAsStudy, STUDY } from './study.ts';

export interface Reference {
  id: string;
  /** The entry as printed. */
  text: string;
  /** Where it can be read, when it has an address. */
  url?: string;
}

/** The dataset's entry, from its descriptor as the bundle records it; null when it cites nothing. */
function datasetReference(): Reference | null {
  const info = getBundle().manifest.dataset.info;
  if (!info.citation) return null;
  const terms = info.licence
    ? ` Licence: ${info.licence.replace(/\.$/, '')}.`
    : ' Its source states no licence, so no terms of reuse; this page redistributes none of its images beyond the handful of test images shown in the figures.';
  return { id: 'dataset', text: `${info.citation.replace(/\s+$/, '')}${terms}`, ...(info.url ? { url: info.url } : {}) };
}

/** The representation analyses' methods, cited only where the bundle has their measurements. */
function representationReferences(): Reference[] {
  const { manifest, models } = getBundle();
  const out: Reference[] = [];
  if (manifest.similarity?.pairs.length)
    out.push(
      {
        id: 'cka',
        text: 'S. Kornblith, M. Norouzi, H. Lee and G. Hinton. Similarity of neural network representations revisited. Proceedings of the 36th International Conference on Machine Learning (ICML), PMLR 97, 2019, pp. 3519–3529.',
        url: 'https://proceedings.mlr.press/v97/kornblith19a.html',
      },
      {
        id: 'cka-minibatch',
        text: 'T. Nguyen, M. Raghu and S. Kornblith. Do wide and deep networks learn the same things? Uncovering how neural network representations vary with width and depth. International Conference on Learning Representations (ICLR), 2021.',
        url: 'https://arxiv.org/abs/2010.15327',
      },
    );
  if (models.some((m) => m.representations))
    out.push({
      id: 'probes',
      text: 'G. Alain and Y. Bengio. Understanding intermediate layers using linear classifier probes. International Conference on Learning Representations (ICLR), workshop track, 2017.',
      url: 'https://arxiv.org/abs/1610.01644',
    });
  return out;
}

export function references(): Reference[] {
  const code = codeSource();
  const dataset = datasetReference();
  const study = repositoryFileUrl(STUDY.source.file);
  return [
    ...(dataset ? [dataset] : []),
    {
      id: 'study',
      text: `${sameDataAsStudy(getBundle().manifest.dataset) ? `${STUDY.dataset} model simplification and visualization: the notebook study this page rebuilds` : `Model simplification and visualization: the notebook study whose method this page applies to other data`} (ResNet50 fine-tuned from ImageNet, then a Basic CNN, TinyCNN, Reduced-Filter CNN and GAP CNN; ${STUDY.source.notebook}). It has no public address of its own; its author’s description is kept with this project’s code as ${STUDY.source.file}${study ? '' : ', in the repository this page was built from'}.`,
      ...(study ? { url: study } : {}),
    },
    {
      id: 'resnet',
      text: 'K. He, X. Zhang, S. Ren and J. Sun. Deep residual learning for image recognition. Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR), 2016, pp. 770–778.',
      url: 'https://doi.org/10.1109/CVPR.2016.90',
    },
    // The code: said only as far as the build knows it (no placeholder text).
    ...(code.commit || code.repository
      ? [
          {
            id: 'code',
            text: `The code that trained the models and built this page${code.repository ? `, ${code.repository.replace(/^https:\/\//, '')}` : ''}${code.commit ? `, at commit ${code.commit}` : ''}.`,
            ...((code.url ?? code.repository) ? { url: code.url ?? code.repository } : {}),
          },
        ]
      : []),
    {
      id: 'tfjs',
      text: 'D. Smilkov, N. Thorat, Y. Assogba, A. Yuan, N. Kreeger, P. Yu, K. Zhang, S. Cai, E. Nielsen, D. Soergel, S. Bileschi, M. Terry, C. Nicholson, S. N. Gupta, S. Sirajuddin, D. Sculley, R. Monga, G. Corrado, F. B. Viégas and M. Wattenberg. TensorFlow.js: machine learning for the web and beyond. Proceedings of Machine Learning and Systems (SysML) 1, 2019.',
      url: 'https://arxiv.org/abs/1901.05350',
    },
    ...representationReferences(),
    // Cited by the saliency section, which a bundle without Grad-CAM scores does not have.
    ...(getBundle().models.some((m) => m.saliency && 'deletion' in m.saliency)
      ? [
          {
            id: 'grad-cam',
            text: 'R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh and D. Batra. Grad-CAM: visual explanations from deep networks via gradient-based localization. Proceedings of the IEEE International Conference on Computer Vision (ICCV), 2017, pp. 618–626.',
            url: 'https://doi.org/10.1109/ICCV.2017.74',
          },
          {
            id: 'rise',
            text: 'V. Petsiuk, A. Das and K. Saenko. RISE: randomized input sampling for explanation of black-box models. British Machine Vision Conference (BMVC), 2018.',
            url: 'https://arxiv.org/abs/1806.07421',
          },
        ]
      : []),
    // Cited by the robustness section, which a bundle without corruptions does not have.
    ...(getBundle().manifest.corruptions ? [{
      id: 'medmnist-c',
      text: 'F. Di Salvo, S. Doerrich and C. Ledig. MedMNIST-C: comprehensive benchmark and improved classifier robustness by simulating realistic image corruptions. arXiv:2406.17536, 2024. Corruptions and parameters: github.com/francescodisalvo05/medmnistc-api.',
      url: 'https://arxiv.org/abs/2406.17536',
    }] : []),
  ];
}

/** Whether the paper has reference `id` (the dataset's entry exists only when its descriptor cites it). */
export function hasReference(id: string): boolean {
  return references().some((r) => r.id === id);
}

/** 1-based number of reference `id`. */
export function referenceNumber(id: string): number {
  const i = references().findIndex((r) => r.id === id);
  if (i < 0) throw new Error(`reference "${id}": not in src/lib/references.ts`);
  return i + 1;
}
