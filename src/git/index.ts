// Git plumbing: how git runs, what its output means, where repositories and worktrees are. No
// product rules and no `vscode` here (lint-enforced); the product's operations live in src/agents.
export { createLimiter, KeyedQueue } from './concurrency';
export { discoverRepository } from './discovery';
export {
  classifyGitFailure,
  failureReason,
  firstMeaningfulLine,
  GitError,
  type GitErrorCode,
  type GitErrorDetails,
  isGitError,
} from './errors';
export { GitClient, type GitClientOptions, type MutationListener, type RepositoryRef } from './gitClient';
export { type IndexSnapshot, restoreIndex, snapshotIndex } from './indexSnapshot';
export { type Logger, silentLogger } from './logger';
export {
  blobId,
  listTreeEntries,
  objectFormat,
  parseTreeEntries,
  readBlobs,
  readBlobsNamed,
  readObjectsNamed,
  type TreeEntry,
  writeBlobs,
  writeTree,
} from './objects';
export { parseStatusV2, parseWorktreeList } from './parsers';
export { inChunks, type PathEntry, type PathSnapshot, readPathEntry, restorePaths, snapshotPaths } from './pathSnapshot';
export { comparablePath, isInsideOrSame, pathExists, realOrResolved, relativeInside, samePath } from './paths';
export { formatArgs, type GitResult, GitRunner, type GitRunnerOptions, type GitRunOptions } from './runner';
export type {
  RepositoryDiscovery,
  StatusCounts,
  StatusReport,
  WorktreeEntry,
  WorktreeRecord,
  WorktreeStatus,
} from './types';
export { parseLastReflogTime } from './worktreeFiles';
