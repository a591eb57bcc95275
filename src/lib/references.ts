/**
 * The paper's references, in the order of first citation. Text only; the links are
 * the works' own DOIs and addresses. The study's notebook has no public address of
 * its own: its author's description is kept in this repository (docs/study.md).
 */
import { codeSource, repositoryFileUrl } from './publishing.ts';

export interface Reference {
  id: string;
  /** The entry as printed. */
  text: string;
  /** Where it can be read, when it has an address. */
  url?: string;
}

export function references(): Reference[] {
  const code = codeSource();
  return [
    {
      id: 'medical-mnist',
      text: 'A. Polanco. Medical MNIST: 64 × 64 grayscale images of six kinds of medical scan, distributed with the Medical-MNIST-Classification repository (also mirrored on Kaggle). The repository has no licence file, so it states no terms of reuse; this page redistributes none of its images beyond the handful of test images shown in the figures.',
      url: 'https://github.com/apolanco3225/Medical-MNIST-Classification',
    },
    {
      id: 'medmnist',
      text: 'J. Yang, R. Shi, D. Wei, Z. Liu, L. Zhao, B. Ke, H. Pfister and B. Ni. MedMNIST v2: a large-scale lightweight benchmark for 2D and 3D biomedical image classification. Scientific Data 10, 41 (2023). A different, standardised collection with official splits; not the data set used here.',
      url: 'https://doi.org/10.1038/s41597-022-01721-8',
    },
    {
      id: 'study',
      text: 'Medical MNIST model simplification and visualization: the notebook study this page rebuilds (ResNet50 fine-tuned from ImageNet, then a Basic CNN, TinyCNN, Reduced-Filter CNN and GAP CNN). Its author’s description is kept with this project’s code as docs/study.md.',
      url: repositoryFileUrl('docs/study.md'),
    },
    {
      id: 'resnet',
      text: 'K. He, X. Zhang, S. Ren and J. Sun. Deep residual learning for image recognition. Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR), 2016, pp. 770–778.',
      url: 'https://doi.org/10.1109/CVPR.2016.90',
    },
    {
      id: 'code',
      text: code.commit
        ? `The code that trained the models and built this page, at commit ${code.commit}${code.repository ? '' : ' (repository address not configured for this build: set REPOSITORY_URL)'}.`
        : 'The code that trained the models and built this page (commit not recorded: not built from a git checkout).',
      url: code.url,
    },
    {
      id: 'tfjs',
      text: 'D. Smilkov, N. Thorat, Y. Assogba, A. Yuan, N. Kreeger, P. Yu, K. Zhang, S. Cai, E. Nielsen, D. Soergel, S. Bileschi, M. Terry, C. Nicholson, S. N. Gupta, S. Sirajuddin, D. Sculley, R. Monga, G. Corrado, F. B. Viégas and M. Wattenberg. TensorFlow.js: machine learning for the web and beyond. Proceedings of Machine Learning and Systems (SysML) 1, 2019.',
      url: 'https://arxiv.org/abs/1901.05350',
    },
  ];
}

/** 1-based number of reference `id`. */
export function referenceNumber(id: string): number {
  const i = references().findIndex((r) => r.id === id);
  if (i < 0) throw new Error(`reference "${id}": not in src/lib/references.ts`);
  return i + 1;
}
