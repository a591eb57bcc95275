/**
 * The base of every expected failure (bad data, no backend, an invalid bundle, a failed
 * training worker). Its message is the whole story for the user: one line naming the
 * thing and what was expected, so the CLI and the site print it without a stack.
 * Anything that is not a UserError is a bug. In common/: the pipeline, the bundle reader
 * and the site build all throw it.
 */
export class UserError extends Error {}
