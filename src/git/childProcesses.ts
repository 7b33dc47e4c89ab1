import type { ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/*
 * simple-git keeps its ChildProcess to itself, and only sends SIGINT. To escalate to SIGKILL the
 * runner takes the process from Node's `child_process` diagnostics channel, which announces every
 * new ChildProcess synchronously; simple-git spawns and calls our outputHandler in one synchronous
 * step, so the newest one whose stdout is the stream handed to us is ours. Subscribed only while a
 * call is running.
 */
const CHILD_PROCESS_CHANNEL = 'child_process';
let callsWatching = 0;
let newestChild: ChildProcess | undefined;
const onNewChild = (message: unknown) => {
  newestChild = (message as { process?: ChildProcess }).process;
};

export function watchNewChildren(): () => void {
  if (callsWatching++ === 0) subscribe(CHILD_PROCESS_CHANNEL, onNewChild);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--callsWatching === 0) {
      unsubscribe(CHILD_PROCESS_CHANNEL, onNewChild);
      newestChild = undefined;
    }
  };
}

export function claimNewChild(stdout: NodeJS.ReadableStream): ChildProcess | undefined {
  const claimed = newestChild?.stdout === stdout ? newestChild : undefined;
  newestChild = undefined;
  return claimed;
}
