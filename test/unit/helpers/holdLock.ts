// A second process for the file-lock tests: takes the lock, says so in the journal, and either
// releases it or dies holding it (SIGKILL: no cleanup runs, exactly like a killed install).
//   node --import tsx holdLock.ts <lockPath> <journal> <name> release|die
import { appendFileSync } from 'node:fs';
import { acquireFileLock } from '../../e2e/harness/fileLock';

const [lockPath, journal, name, ending] = process.argv.slice(2) as [string, string, string, 'release' | 'die'];
const note = (event: string) => appendFileSync(journal, `${event} ${name} ${process.pid}\n`);

const release = acquireFileLock(lockPath, `test holder ${name}`, {
  timeoutMs: 60_000,
  pollMs: 20,
  onWait: () => note('waiting'),
});
note('acquired');
if (ending === 'die') process.kill(process.pid, 'SIGKILL');
// Hold it a moment so an overlapping holder would show up as interleaved lines.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
note('released');
release();
