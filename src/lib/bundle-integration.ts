/**
 * Checks the results bundle before Astro renders anything, so a malformed bundle
 * stops `astro build` with one line naming the file and the field (the pages would
 * fail on it too, but later and buried in a render stack).
 */
import type { AstroIntegration } from 'astro';
import { checkBundle, BundleError } from '../../schema/bundle.ts';
import { resultsDir, shareValidatedBundle } from './results.ts';

export function resultsBundle(): AstroIntegration {
  return {
    name: 'results-bundle',
    hooks: {
      'astro:config:setup': ({ command, logger }) => {
        if (command !== 'build') return;
        const dir = resultsDir();
        try {
          // Every file, activations and samples included: a bad one must stop the build here.
          const bundle = checkBundle(dir);
          shareValidatedBundle(bundle);
          logger.info(`${dir}: ${bundle.models.length} models, profile "${bundle.manifest.profile.name}"`);
        } catch (e) {
          if (!(e instanceof BundleError)) throw e;
          logger.error(e.message);
          // A plain Error without the integration's stack: Astro prints the message as the build's failure.
          const failure = new Error(`Results bundle rejected: ${e.message}`);
          failure.stack = failure.message;
          throw failure;
        }
      },
    },
  };
}
