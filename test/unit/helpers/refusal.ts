import assert from 'node:assert/strict';
import { WorktreeOperationError } from '../../../src/agents';

/** For `assert.rejects`: a WorktreeOperationError with this code (and, when given, a message matching). */
export const refusal = (code: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof WorktreeOperationError, String(error));
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};
