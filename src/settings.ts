import * as vscode from 'vscode';
import { DEFAULT_UNDO_LIMIT, type WorktreeLocation } from './agents';

/** The extension's settings, read in one place with their defaults. */
export interface AgentWorktreesSettings {
  readonly branchPrefix: string;
  readonly location: WorktreeLocation;
  readonly copyIncludes: readonly string[];
  readonly setupCommand: string;
  readonly agentCommand: string;
  readonly staleAfterDays: number;
  /** Days a discarded worktree stays in the trash before Clean Up Stale offers to delete it. */
  readonly trashDays: number;
  readonly staleNotification: boolean;
  readonly keepStaged: boolean;
  /** How many keeps per target stay undoable. */
  readonly undoKeeps: number;
  /** Claude Code's hooks report its state exactly (written to the worktree's admin folder, loaded with --settings). */
  readonly agentHooks: boolean;
  /** Each new agent worktree's block of ports: from `base`, `size` each; undefined when turned off (base 0). */
  readonly ports: { readonly base: number; readonly size: number } | undefined;
}

export function readSettings(): AgentWorktreesSettings {
  const config = vscode.workspace.getConfiguration('agentWorktrees');
  const location = config.get<string>('location', 'sibling').trim();
  return {
    branchPrefix: config.get<string>('branchPrefix', 'agent/'),
    location: location === 'sibling' || location === 'inside' || location === '' ? location || 'sibling' : { folder: location },
    copyIncludes: config.get<string[]>('copyIncludes', []).filter((pattern) => typeof pattern === 'string'),
    setupCommand: config.get<string>('setupCommand', '').trim(),
    agentCommand: config.get<string>('agentCommand', '').trim(),
    staleAfterDays: Math.max(1, config.get<number>('staleAfterDays', 14)),
    trashDays: Math.max(1, config.get<number>('trashDays', 14)),
    staleNotification: config.get<boolean>('staleNotification', true),
    keepStaged: config.get<boolean>('keepStaged', false),
    undoKeeps: Math.min(100, Math.max(1, Math.round(config.get<number>('undoKeeps', DEFAULT_UNDO_LIMIT)))),
    agentHooks: config.get<boolean>('agentHooks', false),
    ports: portSettings(config.get<number>('portBase', 4100), config.get<number>('portBlockSize', 10)),
  };
}

function portSettings(base: number, size: number): AgentWorktreesSettings['ports'] {
  if (!Number.isInteger(base) || base === 0) return undefined;
  return { base, size: Number.isInteger(size) ? size : 10 };
}
