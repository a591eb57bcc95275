/**
 * Where the page is published and which code built it, from the build's environment:
 *   SITE_URL        the origin the page is served from (Open Graph, canonical); the Pages
 *                   workflow sets it. Without it the page emits no absolute URL at all.
 *   REPOSITORY_URL  the code repository (the Pages workflow sets it to the GitHub
 *                   repository); else the `origin` remote when it is on GitHub.
 *   BUILD_COMMIT    the commit the page was built from (the workflow: github.sha); else
 *                   `git rev-parse HEAD`.
 */
import { execFileSync } from 'node:child_process';

const env = (name: string) => process.env[name]?.trim() || undefined;

function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** https://github.com/owner/name from an https or ssh GitHub remote; undefined for anything else. */
export function githubWebUrl(remote: string | undefined): string | undefined {
  const m = remote && /^(?:https:\/\/|git@|ssh:\/\/git@)github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remote);
  return m ? `https://github.com/${m[1]}/${m[2]}` : undefined;
}

export interface CodeSource {
  /** The repository's web address, when known. */
  repository: string | undefined;
  /** The full commit hash the page was built from, when known. */
  commit: string | undefined;
  /** The repository at that commit (a tree link), when both are known. */
  url: string | undefined;
}

let cached: CodeSource | undefined;

export function codeSource(): CodeSource {
  if (!cached) {
    const repository = env('REPOSITORY_URL')?.replace(/\/+$/, '') ?? githubWebUrl(git('remote', 'get-url', 'origin'));
    const commit = env('BUILD_COMMIT') ?? git('rev-parse', 'HEAD');
    cached = { repository, commit, url: repository && commit ? `${repository}/tree/${commit}` : undefined };
  }
  return cached;
}

/** A file of the repository at the build commit, or undefined when the repository is unknown. */
export function repositoryFileUrl(path: string): string | undefined {
  const { repository, commit } = codeSource();
  return repository ? `${repository}/blob/${commit ?? 'HEAD'}/${path}` : undefined;
}
