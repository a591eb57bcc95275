import { defineConfig, configDefaults } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The browser tests build a whole site from a pipeline run first (minutes); starting
 * that file before the unit tests lets both run side by side instead of one after the other.
 */
class SiteFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => f.project.name === 'site'), ...sorted.filter((f) => f.project.name !== 'site')];
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Two cores: tfjs tests are CPU-bound, so run files two at a time at most.
    maxWorkers: 2,
    sequence: { sequencer: SiteFirst },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/site/**'] },
      },
      {
        // Headless Chromium against the built paper (tests/helpers/site-build.ts builds it).
        extends: true,
        // tests/site/global-setup.ts runs the pipeline and builds the site once for every file.
        test: { name: 'site', include: ['tests/site/**/*.test.ts'], globalSetup: ['tests/site/global-setup.ts'], testTimeout: 180_000, hookTimeout: 900_000 },
      },
    ],
  },
});
