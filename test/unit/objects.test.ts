import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { blobId, readBlobs, readBlobsNamed, writeBlobs } from '../../src/git';
import { BatchAnswerParser } from '../../src/git/catFileBatch';
import { commitFile, createRepo, git, recordingService, tempDir } from './helpers/gitFixture';

describe('blob plumbing', () => {
  test('blobId is the id git gives the same bytes (sha1 and sha256)', () => {
    const sha256Repo = tempDir('sha256');
    execFileSync('git', ['init', '--quiet', '--object-format=sha256', sha256Repo]);
    const hash = (bytes: Buffer, cwd?: string) =>
      execFileSync('git', ['hash-object', '--no-filters', '--stdin'], { input: bytes, cwd, encoding: 'utf8' }).trim();
    for (const bytes of [Buffer.alloc(0), Buffer.from('hello\r\n'), randomBytes(70_000)]) {
      assert.equal(blobId(bytes, 'sha1'), hash(bytes));
      assert.equal(blobId(bytes, 'sha256'), hash(bytes, sha256Repo));
    }
  });

  test('writeBlobs stores only what the repository lacks, and reads back byte for byte', async () => {
    const repo = createRepo('blobs');
    commitFile(repo, 'known.txt', 'already in the repository\n');
    const { service, gitCalls, reset } = recordingService();
    const known = Buffer.from('already in the repository\n');
    const fresh = [randomBytes(1000), Buffer.from([0, 255, 10, 13])];
    reset();
    const ids = await writeBlobs(service, repo, tempDir('scratch'), [known, ...fresh, known]);
    assert.equal(ids[0], ids[3]);
    const writes = gitCalls().filter((line) => line.includes('hash-object'));
    assert.equal(writes.length, 1, 'one write, for the two new blobs');
    const read = await readBlobs(service, repo, ids);
    assert.deepEqual(
      ids.map((id) => read.get(id)),
      [known, ...fresh, known],
    );
    reset();
    await writeBlobs(service, repo, tempDir('scratch'), fresh);
    assert.equal(gitCalls().filter((line) => line.includes('hash-object')).length, 0, 'all present: nothing written');
    reset();
    const again = await writeBlobs(service, repo, tempDir('scratch'), [known, ...fresh], { stored: new Set(ids) });
    assert.deepEqual(again, ids.slice(0, 3), 'the same ids, computed here');
    assert.deepEqual(
      gitCalls().filter((line) => !line.includes('rev-parse --show-object-format')),
      [],
      'ids the caller knows are stored: git is not asked',
    );
  });

  test('readBlobsNamed reads by <commit>:<path> in one process; no such blob (missing, a tree) is undefined', async () => {
    const repo = createRepo('named');
    commitFile(repo, 'dir/known.txt', 'known bytes\n');
    const { service, gitCalls, reset } = recordingService();
    reset();
    const found = await readBlobsNamed(service, repo, ['HEAD:dir/known.txt', 'HEAD:nothing-here', 'HEAD:dir']);
    assert.equal(found.get('HEAD:dir/known.txt')?.bytes.toString(), 'known bytes\n');
    assert.equal(found.get('HEAD:dir/known.txt')?.oid, git(repo, 'rev-parse', 'HEAD:dir/known.txt').trim());
    assert.equal(found.get('HEAD:nothing-here'), undefined);
    assert.equal(found.get('HEAD:dir'), undefined);
    assert.equal(gitCalls().length, 1);
    await assert.rejects(readBlobs(service, repo, ['0'.repeat(40)]), /could not read blob/);
  });

  test('readBlobsNamed: a missing name with spaces does not throw off the answers after it', async () => {
    const repo = createRepo('named-spaces');
    commitFile(repo, 'a file.txt', 'spaced\n');
    commitFile(repo, 'after.txt', 'after\n');
    const { service } = recordingService();
    const found = await readBlobsNamed(service, repo, ['HEAD:no such file.txt', 'HEAD:a file.txt', 'HEAD:after.txt']);
    assert.equal(found.get('HEAD:no such file.txt'), undefined);
    assert.equal(found.get('HEAD:a file.txt')?.bytes.toString(), 'spaced\n');
    assert.equal(found.get('HEAD:after.txt')?.bytes.toString(), 'after\n');
  });

  test('BatchAnswerParser reads answers split anywhere, and refuses output it did not ask for', () => {
    const body = Buffer.from([0, 10, 255, 10]);
    const oid = 'a'.repeat(40);
    const output = Buffer.concat([Buffer.from(`${oid} blob ${body.length}\n`), body, Buffer.from('\nname missing\n')]);
    const answers: unknown[] = [];
    const parser = new BatchAnswerParser([oid, 'name'], (name, answer) => answers.push([name, answer?.bytes]));
    for (const byte of output) parser.push(Buffer.from([byte]));
    parser.end();
    assert.deepEqual(answers, [
      [oid, body],
      ['name', undefined],
    ]);
    const short = new BatchAnswerParser([oid, 'name'], () => {});
    short.push(output.subarray(0, 20));
    assert.throws(() => short.end(), /stopped before answering/);
    assert.throws(() => new BatchAnswerParser(['name'], () => {}).push(Buffer.from('other missing\n')), /unexpected answer/);
    assert.throws(() => new BatchAnswerParser([], () => {}).push(Buffer.from('x')), /more than asked/);
  });
});
