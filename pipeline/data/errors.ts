/**
 * The one error type of the data side. The CLI prints a DataError's message as a single
 * line (no stack), so every message names the thing and says what was expected.
 */
import { UserError } from '../../common/user-error.ts';

export class DataError extends UserError {
  override name = 'DataError';
}
