// The product's operations on agent worktrees: create, capture what an agent changed, keep,
// remove, sweep, and the metadata behind them. A new product rule goes here. Built only on the
// plumbing in src/git (lint-enforced: never the other way round) and never on `vscode`, so the
// extension, its API and a command line share every rule.
export {
  type AgentChanges,
  type AgentWorktreeLocation,
  type ChangedFile,
  type ChangeStatus,
  captureAgentChanges,
  getAgentChanges,
  locateAgentWorktree,
  PATCH_FLAGS,
  parseRaw,
  requireAgentMetadata,
  snapshotTree,
  temporaryIndex,
} from './agentChanges';
export {
  type AgentMetadata,
  type AttemptOf,
  keptRefName,
  MAX_ATTEMPTS,
  METADATA_FILE,
  readAgentMetadata,
  writeAgentMetadata,
} from './agentMetadata';
export { type AttemptComparison, type AttemptSummary, compareAttempts, compareAttemptsOf } from './attemptComparison';
export { type AttemptGroup, arrangeByAttempts, findAttemptGroup, isAttemptGroup } from './attemptGroups';
export { type AttemptSpec, type CreateAttemptsOptions, type CreatedAttempts, createAttempts } from './attempts';
export { type CheckResult, OUTPUT_LIMIT, runCheck, runChecks } from './checkCommand';
export { type CherryPickResult, cherryPickAgentCommits } from './cherryPick';
export {
  type CreateAgentWorktreeOptions,
  type CreatedAgentWorktree,
  createAgentWorktree,
  INSIDE_FOLDER,
  targetPath,
  type WorktreeLocation,
} from './createAgentWorktree';
export { countSection, selectHunks, splitHunks, splitPatch } from './hunks';
export { type KeepOptions, type KeepResult, keep } from './keep';
export { DEFAULT_UNDO_LIMIT } from './keepBookkeeping';
export { landingChoices, suggestCommitMessage } from './keepCommit';
export { asOperationError, type KeepConsent, type OperationErrorCode, WorktreeOperationError } from './operationErrors';
export {
  describeBlocked,
  describeLoss,
  describeLossOf,
  planRemoval,
  type RemovalOptions,
  type RemovalOutcome,
  type RemovalPlan,
  type RemovalRequest,
  type RemovalTarget,
  refuseNonAgentTargets,
} from './removalPlan';
export { executeRemoval, failIfRefused } from './removeWorktrees';
export { type RestoredWorktree, type RestoreOptions, restoreFromTrash } from './restoreTrash';
export { GitService, repositoryName, requireRepository } from './service';
export { generateSlug, SLUG_PATTERN, slugify, slugProblem } from './slug';
export { findStaleWorktrees, type StaleCandidate, type StaleOptions } from './staleSweep';
export {
  deleteTrash,
  expiredTrash,
  findTrashItem,
  listTrash,
  saveToTrash,
  TRASH_REF_PREFIX,
  type TrashItem,
  type TrashSource,
  type UnreadableTrashItem,
} from './trash';
export type { TrashRecord } from './trashRecord';
export { type KeepSummary, listKeeps, type UndoResult, undoKeep } from './undoKeep';
export { baseBranchGained, type UpdateFromBaseOptions, type UpdateFromBaseResult, updateFromBase } from './updateFromBase';
export { hasUnkeptWork, type RepositorySnapshot, type Worktree, type WorktreeSnapshot } from './worktrees';
