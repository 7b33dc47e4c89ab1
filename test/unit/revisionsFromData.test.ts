import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { GitError } from '../../src/git';
import { createRepo, recordingService, tempDir } from './helpers/gitFixture';

/** A revision that comes from data is never read as an option, e.g. `--output=<file>` (git would write the file). */
describe('revisions that come from data are never options', () => {
  const hostile = (file: string) => [`--output=${file}`, `--output=${file}..HEAD`];

  test('describeCommit and countCommits refuse an option-looking revision and write nothing', async () => {
    const repo = createRepo();
    const { service } = recordingService();
    const scratch = tempDir('written');
    for (const revision of hostile(path.join(scratch, 'x'))) {
      await assert.rejects(service.describeCommit(repo, revision), (error: unknown) => error instanceof GitError, revision);
      await assert.rejects(service.countCommits(repo, revision), (error: unknown) => error instanceof GitError, revision);
    }
    assert.equal(existsSync(path.join(scratch, 'x')), false, 'git wrote no file');
  });
});
