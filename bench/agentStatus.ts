// Agent status under load (issue 14): 20 agents printing all the time, their output fed to the
// tracker the way the extension does (a `for await` over each terminal execution's output). The
// floor is the same output produced and dropped; the difference is what status tracking costs
// the extension host, as a share of one core. It must need no git process at all.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { AgentActivityTracker } from '../src/views/agentActivity';

export interface AgentStatusLoad {
  readonly agents: number;
  readonly chunksPerSecond: number;
  readonly seconds: number;
  /** CPU time of the producer alone, as % of one core. */
  readonly floorPercent: number;
  /** Producer, the read loops and the tracker. */
  readonly oursPercent: number;
  /** Child processes started while tracking (git or anything else). */
  readonly processes: number;
}

/** One agent's output as `execution.read()` gives it: an async iterable of chunks. */
function outputStream(): { push(chunk: string): void; end(): void; chunks: AsyncIterable<string> } {
  const queued: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(chunk) {
      queued.push(chunk);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    chunks: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queued.shift();
          if (next !== undefined) yield next;
          else if (ended) return;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    },
  };
}

const CHUNK = `\u001b[32m✔\u001b[0m editing src/module/file.ts: applying the change to line 120 of 400…\r\n`.repeat(2);

async function measure(agents: number, chunksPerSecond: number, seconds: number, track: boolean): Promise<number> {
  const tracker = new AgentActivityTracker(30_000);
  const streams = Array.from({ length: agents }, () => outputStream());
  const loops = track
    ? streams.map(async (stream, index) => {
        const key = `/worktrees/agent-${index}`;
        tracker.started(key, 'shell-integration');
        for await (const chunk of stream.chunks) tracker.output(key, chunk);
      })
    : [];
  const startedCpu = process.cpuUsage();
  const startedAt = performance.now();
  const timers = streams.map((stream) => setInterval(() => (track ? stream.push(CHUNK) : undefined), 1000 / chunksPerSecond));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const timer of timers) clearInterval(timer);
  const cpu = process.cpuUsage(startedCpu);
  const elapsed = performance.now() - startedAt;
  for (const stream of streams) stream.end();
  await Promise.all(loops);
  tracker.dispose();
  return ((cpu.user + cpu.system) / 1000 / elapsed) * 100;
}

export async function agentStatusLoad(agents = 20, chunksPerSecond = 50, seconds = 10): Promise<AgentStatusLoad> {
  let processes = 0;
  const onProcess = () => processes++;
  subscribe('child_process', onProcess);
  try {
    await measure(agents, chunksPerSecond, 1, true); // warm-up
    const floorPercent = await measure(agents, chunksPerSecond, seconds, false);
    const oursPercent = await measure(agents, chunksPerSecond, seconds, true);
    return { agents, chunksPerSecond, seconds, floorPercent, oursPercent, processes };
  } finally {
    unsubscribe('child_process', onProcess);
  }
}
