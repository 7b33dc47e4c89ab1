// The `agent-worktrees` bin (dist/cli.js, bundled by esbuild): plain Node ≥ 20, no VS Code.
import { processIo } from './io';
import { runCli } from './program';

void runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
