import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseGitContentRequest, readGitContent } from '../../src/webview/gitContentProvider';
import { commitFile, createRepo, git, recordingService, tempDir } from './helpers/gitFixture';

describe('agent-worktrees-git: content provider', () => {
  const repo = createRepo('content');
  const commit = commitFile(repo, 'src/cart.ts', 'export const cart = [];\n');
  const { service, lines } = recordingService();
  const deps = {
    service,
    logger: { trace() {}, info() {}, warn() {}, error: (line: string) => lines.push(line) },
    knownWorktrees: () => [repo],
  };
  const query = (fields: unknown) => JSON.stringify(fields);

  test('reads a file at a full object id in a known worktree; empty where the file did not exist', async () => {
    assert.equal(await readGitContent(deps, query({ cwd: repo, revision: commit }), '/src/cart.ts'), 'export const cart = [];\n');
    assert.equal(await readGitContent(deps, query({ cwd: repo, revision: commit }), '/no-such-file.ts'), '');
  });

  test('a revision that is an option is refused before git runs: git writes no file', async () => {
    const written = path.join(tempDir('output'), 'x');
    const before = lines.filter((line) => line.startsWith('> git ')).length;
    await assert.rejects(
      readGitContent(deps, query({ cwd: repo, revision: `--output=${written}` }), '/README.md'),
      /refused: its revision is not a full object id/,
    );
    assert.equal(existsSync(written), false, 'git wrote no file');
    assert.equal(lines.filter((line) => line.startsWith('> git ')).length, before, 'no git process was started');
    assert.ok(
      lines.some((line) => line.includes('Refused to open') && line.includes('--output=')),
      'the refusal is logged',
    );
  });

  test('git reads the revision after --end-of-options', async () => {
    await readGitContent(deps, query({ cwd: repo, revision: commit }), '/README.md');
    assert.ok(lines.some((line) => line.includes(`> git show --end-of-options ${commit}:README.md`)));
  });

  test('refuses every query outside the schema', () => {
    const good = { cwd: repo, revision: commit };
    const refused: Array<[string, string]> = [
      ['not json', '/a'],
      [query([good]), '/a'],
      [query({ ...good, extra: 1 }), '/a'],
      [query({ ...good, cwd: 'relative/dir' }), '/a'],
      [query({ ...good, cwd: `${repo}\0` }), '/a'],
      [query({ ...good, revision: 'HEAD' }), '/a'],
      [query({ ...good, revision: commit.slice(0, 12) }), '/a'],
      [query({ ...good, revision: `${commit}:x` }), '/a'],
      [query({ ...good, revision: commit.toUpperCase() }), '/a'],
      [query(good), '/../outside'],
      [query(good), '/src/../../outside'],
      [query(good), '/./a'],
      [query(good), '/'],
      [query(good), '/a\0b'],
    ];
    for (const [badQuery, uriPath] of refused) {
      assert.equal(typeof parseGitContentRequest(badQuery, uriPath), 'string', `${badQuery} ${uriPath}`);
    }
    assert.deepEqual(parseGitContentRequest(query(good), '/src/cart.ts'), { ...good, path: 'src/cart.ts' });
    assert.deepEqual(parseGitContentRequest(query({ ...good, revision: 'a'.repeat(64) }), '/..foo'), {
      ...good,
      revision: 'a'.repeat(64),
      path: '..foo',
    });
  });

  test('a worktree the extension does not know is refused, even a real repository', async () => {
    const stranger = createRepo('stranger');
    const head = git(stranger, 'rev-parse', 'HEAD').trim();
    await assert.rejects(
      readGitContent(deps, query({ cwd: stranger, revision: head }), '/README.md'),
      /its cwd is not a worktree/,
    );
  });
});
