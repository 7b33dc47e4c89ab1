// Agent status under load (issue 14): agents printing all the time, their output read the way the
// extension reads it (a `for await` over each terminal execution's output) and fed to the tracker.
// Measured as CPU time per chunk over 100,000 chunks, against a floor that only makes them, then
// scaled to 20 agents × 50 chunks a second: what tracking costs the extension host, as a share of
// one core. It must start no process (no git) at all.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { AgentActivityTracker } from '../src/views/agentActivity';

export interface AgentStatusLoad {
  readonly agents: number;
  readonly chunksPerSecond: number;
  /** CPU time per chunk: making it only (floor), and making it, reading it and tracking it (ours). */
  readonly floorMicros: number;
  readonly oursMicros: number;
  /** The same at `agents × chunksPerSecond`, as % of one core. */
  readonly floorPercent: number;
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

/**
 * CPU time per output chunk (µs): `track` feeds each through the stream and the read loop to the
 * tracker; the floor only makes the chunks. Measured over many chunks, as fast as they go.
 */
async function microsPerChunk(agents: number, chunks: number, track: boolean): Promise<number> {
  const tracker = new AgentActivityTracker(30_000);
  const streams = Array.from({ length: agents }, () => outputStream());
  const loops = track
    ? streams.map(async (stream, index) => {
        const key = `/worktrees/agent-${index}`;
        tracker.started(key, 'shell-integration');
        for await (const chunk of stream.chunks) tracker.output(key, chunk);
      })
    : [];
  const started = process.cpuUsage();
  let made = 0;
  for (let sent = 0; sent < chunks; sent++) {
    const chunk = `${CHUNK}${sent}`;
    made += chunk.length;
    if (track) (streams[sent % agents] as ReturnType<typeof outputStream>).push(chunk);
    // Let the read loops take what came, as the event loop would between terminal events.
    if (sent % agents === agents - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const stream of streams) stream.end();
  await Promise.all(loops);
  const cpu = process.cpuUsage(started);
  tracker.dispose();
  if (made === 0) throw new Error('no output made');
  return (cpu.user + cpu.system) / chunks;
}

/**
 * `agents` printing `chunksPerSecond` chunks each: what tracking them costs as a share of one
 * core, from the CPU time per chunk (ours minus the floor) at that rate.
 */
export async function agentStatusLoad(agents = 20, chunksPerSecond = 50, rounds = 5): Promise<AgentStatusLoad> {
  let processes = 0;
  const onProcess = () => processes++;
  subscribe('child_process', onProcess);
  try {
    const chunks = 100_000;
    await microsPerChunk(agents, chunks / 10, true); // warm-up
    const floors: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < rounds; round++) {
      floors.push(await microsPerChunk(agents, chunks, false));
      ours.push(await microsPerChunk(agents, chunks, true));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const perSecond = agents * chunksPerSecond;
    const share = (micros: number) => (micros * perSecond) / 10_000; // µs per second → % of one core
    return {
      agents,
      chunksPerSecond,
      floorMicros: median(floors),
      oursMicros: median(ours),
      floorPercent: share(median(floors)),
      oursPercent: share(median(ours)),
      processes,
    };
  } finally {
    unsubscribe('child_process', onProcess);
  }
}
