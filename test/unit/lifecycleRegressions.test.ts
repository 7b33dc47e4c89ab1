import { test } from 'node:test';
import { AgentEdit, Create, Keep, UserEdit } from '../fuzz/commands';
import { replay } from '../fuzz/lifecycle';

// Counterexamples the lifecycle fuzzer found (`npm run fuzz`), shrunk, kept as they were printed.
// Each replays on a fresh repository with the fuzzer's invariant checked after every step.

test('a keep whose write fails half-way (a new file under what is a file in the target) leaves the target as it was', async () => {
  // git apply wrote README.md, then failed on image.bin/inside.txt ("Not a directory"): the
  // refused keep had changed the target.
  await replay([
    new Create(false, false),
    new AgentEdit(0, 'modify', 0, 0),
    new AgentEdit(0, 'file-to-folder', 1, 0),
    new Keep(0, 'hunks', false, false, 5),
    new UserEdit('modify', false, 0, 0),
  ]);
});

test('keeping a file the agent put where a file still is in the kept state is refused before the target is touched', async () => {
  // The agent replaced src/deep/code.txt with a folder; the user deleted code.txt by hand, then kept
  // only code.txt/inside.txt. It applied to the user's tree, then recording the kept state failed
  // ("appears as both a file and as a directory"): an error, with the change already written.
  await replay([
    new Create(false, false),
    new AgentEdit(0, 'file-to-folder', 4, 0),
    new UserEdit('delete', false, 4, 0),
    new Keep(0, 'files', false, false, 2),
  ]);
});
