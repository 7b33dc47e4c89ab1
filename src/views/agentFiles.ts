import * as path from 'node:path';
import * as vscode from 'vscode';
import { type ChangedFile, type GitService, getAgentChanges, type WorktreeSnapshot } from '../agents';

/** Private scheme for the changed-file rows under an agent worktree: their badges never touch real files. */
export const AGENT_CHANGE_SCHEME = 'agent-worktrees-change';

/** What an expanded agent worktree row shows: its changed files against its base, and its commits. */
export interface AgentFilesSummary {
  readonly baseCommit: string;
  readonly files: readonly ChangedFile[];
  readonly commitsAhead: number;
}

const LETTERS: Record<ChangedFile['status'], { letter: string; color: string; name: string }> = {
  added: { letter: 'A', color: 'gitDecoration.addedResourceForeground', name: 'Added' },
  modified: { letter: 'M', color: 'gitDecoration.modifiedResourceForeground', name: 'Modified' },
  deleted: { letter: 'D', color: 'gitDecoration.deletedResourceForeground', name: 'Deleted' },
  renamed: { letter: 'R', color: 'gitDecoration.renamedResourceForeground', name: 'Renamed' },
  copied: { letter: 'C', color: 'gitDecoration.addedResourceForeground', name: 'Copied' },
  'type-changed': { letter: 'T', color: 'gitDecoration.modifiedResourceForeground', name: 'Type changed' },
};

/** A row's URI: the file's path (for its icon) in our scheme, with the change's kind as the query. */
export function agentChangeUri(worktreePath: string, file: ChangedFile): vscode.Uri {
  return vscode.Uri.file(path.join(worktreePath, file.path)).with({ scheme: AGENT_CHANGE_SCHEME, query: file.status });
}

export function changeName(file: ChangedFile): string {
  return LETTERS[file.status].name;
}

/**
 * The changed files of each expanded agent worktree, read once per state of that worktree (its
 * HEAD, its last activity and its change counts): a refresh of the view for other reasons, or of
 * other worktrees, does not capture it again.
 */
export class AgentFilesCache {
  private readonly entries = new Map<string, { key: string; summary: Promise<AgentFilesSummary> }>();

  constructor(private readonly service: GitService) {}

  read(snapshot: WorktreeSnapshot): Promise<AgentFilesSummary> {
    const { worktree, status } = snapshot;
    const key = [
      status?.headOid ?? worktree.head,
      status?.lastActivityAt,
      status?.staged,
      status?.unstaged,
      status?.untracked,
      worktree.agent?.baseCommit,
    ].join(':');
    const cached = this.entries.get(worktree.path);
    if (cached?.key === key) return cached.summary;
    const summary = this.capture(worktree.path, worktree.agent?.baseCommit ?? '');
    this.entries.set(worktree.path, { key, summary });
    // A failure is shown on the row's children, and read again next time (not cached).
    summary.catch(() => {
      if (this.entries.get(worktree.path)?.summary === summary) this.entries.delete(worktree.path);
    });
    return summary;
  }

  private async capture(worktreePath: string, baseCommit: string): Promise<AgentFilesSummary> {
    const [changes, commitsAhead] = await Promise.all([
      getAgentChanges(this.service, worktreePath, { since: 'base' }),
      this.service.countCommits(worktreePath, `${baseCommit}..HEAD`),
    ]);
    return { baseCommit: changes.baseCommit, files: changes.files, commitsAhead };
  }
}

/** Status letter and colour on the changed-file rows, like Source Control's. */
export class AgentChangeDecorationProvider implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== AGENT_CHANGE_SCHEME) return undefined;
    if (!Object.hasOwn(LETTERS, uri.query)) return undefined;
    const kind = LETTERS[uri.query as ChangedFile['status']];
    return new vscode.FileDecoration(kind.letter, kind.name, new vscode.ThemeColor(kind.color));
  }
}
