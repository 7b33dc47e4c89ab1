import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A lock shared by every process on this machine, for steps that must not run twice at once (apt,
 * installing the harness cache). Synchronous because the steps it guards are (`spawnSync`), which is
 * also why a heartbeat-based lock (proper-lockfile refreshes an mtime from a timer) does not fit:
 * a multi-minute `spawnSync` would starve the timer and the lock would look stale while held.
 * Instead the lock file names its owner's pid; a lock whose owner is dead is taken over.
 */

export interface FileLockOptions {
  /** Give up after this long, with a message naming the holder. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Told once when this process starts waiting for another one. */
  readonly onWait?: (holder: LockOwner) => void;
}

export interface LockOwner {
  readonly pid: number;
  readonly purpose: string;
  readonly since: string;
  /** Tells our own lock from a later owner's, so release never deletes someone else's lock. */
  readonly token: string;
}

const DEFAULT_TIMEOUT_MS = 20 * 60_000; // longer than a full harness install on a busy machine
const DEFAULT_POLL_MS = 250;
/** A takeover holds its guard for microseconds; one this old was left by a process that died in it. */
const TAKEOVER_GUARD_STALE_MS = 30_000;

/** Runs `action` while holding the lock at `lockPath`; always releases it, even when `action` throws. */
export function withFileLock<T>(lockPath: string, purpose: string, action: () => T, options: FileLockOptions = {}): T {
  const release = acquireFileLock(lockPath, purpose, options);
  try {
    return action();
  } finally {
    release();
  }
}

/** Waits (bounded) until this process owns the lock; returns the function that releases it. */
export function acquireFileLock(lockPath: string, purpose: string, options: FileLockOptions = {}): () => void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = { pid: process.pid, purpose, since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  mkdirSync(path.dirname(lockPath), { recursive: true });
  let toldWaiting = false;
  for (;;) {
    if (tryCreateLock(lockPath, owner)) return () => releaseLock(lockPath, owner.token);
    const holder = readOwner(lockPath);
    if (holder && !processAlive(holder.pid) && takeOverStaleLock(lockPath, holder)) continue;
    if (Date.now() >= deadline) throw new Error(timeoutMessage(lockPath, purpose, timeoutMs, holder));
    if (holder && !toldWaiting) {
      toldWaiting = true;
      options.onWait?.(holder);
    }
    sleepSync(pollMs);
  }
}

/**
 * The owner is written to a private file first and then hard-linked to the lock's name: `link`
 * fails if the name exists, so the lock appears atomically and never without its owner's pid.
 */
function tryCreateLock(lockPath: string, owner: LockOwner): boolean {
  const draft = `${lockPath}.${owner.pid}.${owner.token}.draft`;
  writeFileSync(draft, JSON.stringify(owner));
  try {
    linkSync(draft, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The lock's owner, or undefined when the lock vanished meanwhile (or is not ours to parse). */
function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return undefined;
    return parsed as LockOwner;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a lock whose owner died. Two waiters may both see the same dead owner; a guard directory
 * (mkdir is atomic) lets one at a time re-check that the lock is still that dead owner's before
 * deleting it, so a waiter can never delete the fresh lock another waiter just took.
 * True when the caller should try to take the lock again at once.
 */
function takeOverStaleLock(lockPath: string, dead: LockOwner): boolean {
  const guard = `${lockPath}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    removeAbandonedGuard(guard);
    return false; // someone else is taking over: wait, then look again
  }
  try {
    if (readOwner(lockPath)?.token === dead.token) unlinkSync(lockPath);
    return true;
  } finally {
    rmdirSync(guard);
  }
}

function removeAbandonedGuard(guard: string): void {
  try {
    if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_GUARD_STALE_MS) rmdirSync(guard);
  } catch {
    // gone already
  }
}

function releaseLock(lockPath: string, token: string): void {
  if (readOwner(lockPath)?.token === token) rmSync(lockPath, { force: true });
}

function timeoutMessage(lockPath: string, purpose: string, timeoutMs: number, holder: LockOwner | undefined): string {
  const who = holder
    ? `process ${holder.pid} (${holder.purpose}, since ${holder.since})`
    : 'another process (its lock file could not be read)';
  return (
    `Gave up after ${Math.round(timeoutMs / 1000)} s waiting to start ${purpose}: ${who} holds ${lockPath}.\n` +
    `If that process is not running any more, delete ${lockPath} and try again.`
  );
}

/** Blocks this thread (the guarded steps are synchronous anyway) without spinning the CPU. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
