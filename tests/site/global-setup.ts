/**
 * The site project's one build: a smoke run of the pipeline and `astro build`, made once
 * before any site test file starts and shared by all of them (each file serves it on its
 * own port), instead of every file running the pipeline and the build again.
 */
import type { TestProject } from 'vitest/node';
import { buildOnce, type SiteBuild } from '../helpers/site-build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    siteBuild: SiteBuild;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = await buildOnce();
  project.provide('siteBuild', { work: build.work, results: build.results, dist: build.dist });
  return build.remove;
}
