import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ActivityClock, AgentActivityTracker, type AgentState, lastLine } from '../../src/views/agentActivity';

/** A clock the test moves by hand; timers fire when it passes their time. */
function manualClock() {
  let now = 1_000_000;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: ActivityClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = ++nextId;
      timers.set(id, { at: now + ms, callback });
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: (timer) => {
      timers.delete(timer as unknown as number);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = [...timers].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].callback();
    }
    now = until;
  };
  return { clock, advance, pendingTimers: () => timers.size };
}

function tracked(quietMs = 10_000) {
  const time = manualClock();
  const tracker = new AgentActivityTracker(quietMs, time.clock);
  const changes: Array<[string, AgentState, AgentState]> = [];
  tracker.onDidChange((key, activity, previous) => changes.push([key, previous, activity.state]));
  return { ...time, tracker, changes };
}

describe('agent activity', () => {
  test('working while it prints, waiting once quiet, working again on output, done on exit 0', () => {
    const { tracker, changes, advance } = tracked();
    tracker.started('/wt', 'shell-integration');
    assert.equal(tracker.activity('/wt').state, 'working');
    advance(5_000);
    tracker.output('/wt', 'thinking…\n');
    advance(9_000);
    assert.equal(tracker.activity('/wt').state, 'working', 'output 9 s ago: still working');
    advance(1_000);
    assert.equal(tracker.activity('/wt').state, 'waiting');
    const waitingSince = tracker.activity('/wt').since;
    advance(60_000);
    assert.equal(tracker.activity('/wt').since, waitingSince, 'since stays when it began');
    tracker.output('/wt', 'Allow edit? [y/n]\n');
    tracker.fileChanged('/wt');
    tracker.ended('/wt', 0);
    assert.deepEqual(changes, [
      ['/wt', 'not-running', 'working'],
      ['/wt', 'working', 'waiting'],
      ['/wt', 'waiting', 'working'],
      ['/wt', 'working', 'done'],
    ]);
    assert.equal(tracker.activity('/wt').exitCode, 0);
  });

  test('file changes alone keep an agent working; a non-zero exit is failed with its code', () => {
    const { tracker, advance } = tracked();
    tracker.started('/wt', 'terminal-only');
    for (let i = 0; i < 5; i++) {
      advance(8_000);
      tracker.fileChanged('/wt');
    }
    assert.equal(tracker.activity('/wt').state, 'working');
    tracker.ended('/wt', 3);
    assert.deepEqual(
      { state: tracker.activity('/wt').state, code: tracker.activity('/wt').exitCode },
      { state: 'failed', code: 3 },
    );
    tracker.output('/wt', 'after the end\n');
    tracker.fileChanged('/wt');
    assert.equal(tracker.activity('/wt').state, 'failed', 'nothing after the end changes it');
  });

  test('a closed terminal is not running; an unknown exit code is not called done', () => {
    const { tracker } = tracked();
    tracker.started('/a', 'terminal-only');
    tracker.terminalClosed('/a');
    assert.equal(tracker.activity('/a').state, 'not-running');
    tracker.started('/b', 'shell-integration');
    tracker.ended('/b', undefined);
    assert.equal(tracker.activity('/b').state, 'not-running');
    assert.equal(tracker.activity('/never').state, 'not-running');
  });

  test('a chatty agent costs one timer, not one per line, and listeners hear each change once', () => {
    const { tracker, changes, advance, pendingTimers } = tracked(1_000);
    tracker.started('/wt', 'shell-integration');
    for (let i = 0; i < 10_000; i++) {
      tracker.output('/wt', `line ${i}\n`);
      advance(10);
    }
    assert.ok(pendingTimers() <= 1, `${pendingTimers()} timers`);
    assert.deepEqual(changes, [['/wt', 'not-running', 'working']]);
    assert.equal(tracker.activity('/wt').lastLine, 'line 9999');
    tracker.forget('/wt');
    assert.equal(pendingTimers(), 0);
    assert.deepEqual(changes.at(-1), ['/wt', 'working', 'not-running'], 'a removed worktree’s agent is heard to stop');
    assert.equal(tracker.states().size, 0);
    tracker.forget('/wt');
    assert.equal(changes.length, 2, 'forgetting twice is heard once');
  });

  test('a new start is a new session; terminal-only activity has no output line', () => {
    const { tracker, advance } = tracked();
    tracker.started('/wt', 'shell-integration');
    tracker.ended('/wt', 1);
    advance(1_000);
    tracker.started('/wt', 'terminal-only');
    assert.equal(tracker.activity('/wt').state, 'working');
    assert.equal(tracker.activity('/wt').exitCode, undefined);
    tracker.output('/wt', 'hidden\n');
    assert.equal(tracker.activity('/wt').lastLine, undefined);
  });

  test('lastLine: colours, titles, carriage returns and blank lines are not shown', () => {
    assert.equal(lastLine('\u001b[32mDone\u001b[0m in 3s\n\n'), 'Done in 3s');
    assert.equal(lastLine('progress 10%\rprogress 55%\rprogress 99%'), 'progress 99%');
    assert.equal(lastLine('\u001b]0;title\u0007prompt> \u001b]633;A\u0007'), 'prompt>');
    assert.equal(lastLine('\n \n'), undefined);
    assert.equal(lastLine('x'.repeat(500))?.length, 200);
  });

  test('what the agent declares through its hooks outranks output and quiet time until it ends', () => {
    const { tracker, changes, advance } = tracked();
    tracker.started('/wt', 'shell-integration');
    tracker.declared('/wt', 'waiting');
    assert.equal(tracker.activity('/wt').state, 'waiting', 'at once, not after the quiet time');
    tracker.output('/wt', 'the permission prompt redrawn\n');
    assert.equal(tracker.activity('/wt').state, 'waiting');
    tracker.declared('/wt', 'working');
    advance(120_000);
    assert.equal(tracker.activity('/wt').state, 'working', 'a long tool run is not waiting');
    tracker.ended('/wt', 0);
    tracker.declared('/wt', 'waiting');
    assert.equal(tracker.activity('/wt').state, 'done');
    assert.deepEqual(
      changes.map(([, from, to]) => `${from}→${to}`),
      ['not-running→working', 'working→waiting', 'waiting→working', 'working→done'],
    );
  });

  test('a declaration that holds until output (Codex’s notify): waiting at once, working again when it prints', () => {
    const { tracker } = tracked();
    tracker.started('/wt', 'shell-integration');
    tracker.declared('/wt', 'waiting', 'output');
    assert.equal(tracker.activity('/wt').state, 'waiting');
    tracker.fileChanged('/wt');
    assert.equal(tracker.activity('/wt').state, 'waiting', 'a file change alone does not end it');
    tracker.output('/wt', 'Working on the next step\n');
    assert.equal(tracker.activity('/wt').state, 'working');
  });
});
