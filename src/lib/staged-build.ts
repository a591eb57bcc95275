/**
 * `astro build` into a staging folder beside the output folder (dist/), which replaces
 * it only once the build has finished: a failed build (a bad bundle, a page that throws)
 * leaves the previous dist/ as it was. The staging folder of a failed build is removed
 * when the process exits, or by the next build if the process was killed.
 *
 * dist/ itself is only replaced when it is absent, empty, or a site this project built
 * (its marker file, see common/owned-folder.ts): `--outDir ~/Documents` is refused.
 *
 * Must come last in `integrations`: other integrations' astro:build:done hooks write
 * into the staging folder before this one moves it into place.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AstroIntegration } from 'astro';
import { checkOwnedFolder, makeFolder, markOwnedFolder, PathError, removeLeftovers, replaceFolder, stagingFolder } from '../../common/owned-folder.ts';

/** A plain Error without the integration's stack: Astro prints the message as the build's one-line failure. */
function oneLine(message: string): Error {
  const failure = new Error(message);
  failure.stack = message;
  return failure;
}

export function stagedBuild(): AstroIntegration {
  let target: string | null = null;
  let staging: string | null = null;
  const discard = () => {
    if (staging) rmSync(staging, { recursive: true, force: true });
  };
  return {
    name: 'staged-build',
    hooks: {
      'astro:config:setup': ({ command, config, updateConfig, logger }) => {
        if (command !== 'build') return;
        target = fileURLToPath(config.outDir).replace(/\/$/, '');
        try {
          checkOwnedFolder(target, 'site', 'astro build --outDir');
          for (const done of removeLeftovers(target)) logger.info(`${done} (left behind by an interrupted build)`);
          makeFolder(dirname(target), 'astro build --outDir');
        } catch (e) {
          if (e instanceof PathError) throw oneLine(e.message);
          throw e;
        }
        staging = stagingFolder(target, 'staging');
        rmSync(staging, { recursive: true, force: true });
        process.once('exit', discard);
        updateConfig({ outDir: pathToFileURL(`${staging}/`) });
      },
      'astro:build:done': ({ logger }) => {
        if (!target || !staging) return;
        markOwnedFolder(staging, 'site');
        replaceFolder(staging, target);
        staging = null;
        logger.info(`site written to ${target}`);
      },
    },
  };
}
