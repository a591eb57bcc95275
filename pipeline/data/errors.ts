/**
 * The one error type of the data side. The CLI prints a DataError's message as a single
 * line (no stack), so every message names the thing and says what was expected.
 */
import { UserError } from '../../schema/errors.ts';

export class DataError extends UserError {
  override name = 'DataError';
}
