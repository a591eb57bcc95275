/**
 * Where the page is published and which code built it, from the build's environment:
 *   SITE_URL        the origin the page is served from (Open Graph, canonical); the Pages
 *                   workflow sets it. Without it the page emits no absolute URL at all.
 *   repository      the checkout's `origin` remote as a web address (git@host:o/r.git →
 *                   https://host/o/r); else REPOSITORY_URL (the Pages workflow sets it);
 *                   else none, and the page names no repository (no placeholder).
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

/**
 * The web address of a git remote: https://host/owner/name from an https, ssh or scp-style
 * (git@host:owner/name.git) remote; undefined for anything else (a local path, a file: URL).
 */
export function remoteWebUrl(remote: string | undefined): string | undefined {
  const r = remote?.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  if (!r) return undefined;
  const m =
    /^(?:[\w.-]+@)?([\w.-]+\.[a-z]{2,}):(?!\/)([\w.-]+(?:\/[\w.-]+)+)$/i.exec(r) ?? // git@github.com:o/r.git
    /^(?:ssh|git\+ssh|https?|git):\/\/(?:[^@/]+@)?([\w.-]+\.[a-z]{2,})(?::\d+)?\/([\w.-]+(?:\/[\w.-]+)+)$/i.exec(r);
  return m ? `https://${m[1]}/${m[2]}` : undefined;
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
    // The checkout's own remote first (it is where this commit lives), else what the build was told.
    const repository = remoteWebUrl(git('remote', 'get-url', 'origin')) ?? env('REPOSITORY_URL')?.replace(/\/+$/, '');
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
