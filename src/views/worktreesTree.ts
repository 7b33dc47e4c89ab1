import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type AttemptGroup,
  arrangeByAttempts,
  baseBranchGained,
  type ChangedFile,
  findAttemptGroup,
  type GitService,
  isAttemptGroup,
  type TrashItem,
  type WorktreeSnapshot,
} from '../agents';
import type { AgentActivity } from './agentActivity';
import { AgentFilesCache, agentChangeUri, changeName } from './agentFiles';
import { BaseDriftCache } from './baseDrift';
import { worktreeDecorationUri } from './decorations';
import {
  agentStatusLook,
  agentStatusSentence,
  attemptLabel,
  attemptsDescription,
  changeSentence,
  formatAgo,
  shortSha,
  trashDescription,
  trashLabel,
  upstreamDistance,
  type WorktreeKind,
  worktreeContextValue,
  worktreeDescription,
  worktreeKind,
} from './presentation';
import type { RepositoryEntry, WorktreesModel } from './worktreesModel';

export type WorktreesNode =
  | { readonly type: 'repository'; readonly repository: RepositoryEntry }
  | { readonly type: 'worktree'; readonly repository: RepositoryEntry; readonly snapshot: WorktreeSnapshot }
  | { readonly type: 'error'; readonly repository: RepositoryEntry; readonly error: Error }
  /** Several attempts at one task (New Agent Attempts): its attempts are its children. */
  | { readonly type: 'attempts'; readonly repository: RepositoryEntry; readonly attempts: AttemptGroup }
  /** Under an expanded agent worktree: one file it changed against its base. */
  | {
      readonly type: 'agentChange';
      readonly repository: RepositoryEntry;
      readonly snapshot: WorktreeSnapshot;
      readonly file: ChangedFile;
      readonly baseCommit: string;
    }
  /** Last in a repository: discarded work in its trash (shown while there is any). */
  | { readonly type: 'trash'; readonly repository: RepositoryEntry; readonly items: readonly TrashItem[] }
  /** Under an expanded agent worktree: its commits ahead of base, or why its changes could not be read. */
  | {
      readonly type: 'agentNote';
      readonly repository: RepositoryEntry;
      readonly snapshot: WorktreeSnapshot;
      readonly text: string;
      readonly failed: boolean;
    };

const KIND_ICONS: Record<WorktreeKind, { icon: string; color?: string }> = {
  main: { icon: 'home' },
  agent: { icon: 'robot' },
  linked: { icon: 'git-branch' },
  detached: { icon: 'git-commit' },
  locked: { icon: 'lock' },
  gone: { icon: 'circle-slash', color: 'gitDecoration.deletedResourceForeground' },
  prunable: { icon: 'trash', color: 'list.warningForeground' },
  bare: { icon: 'repo' },
};

const KIND_NAMES: Record<WorktreeKind, string> = {
  main: 'Main worktree',
  agent: 'Agent worktree',
  linked: 'Linked worktree',
  detached: 'Linked worktree, detached HEAD',
  locked: 'Locked worktree',
  gone: 'Worktree folder missing',
  prunable: 'Prunable worktree',
  bare: 'Bare repository',
};

/** The Worktrees view: one node per repository when there are several, a flat list otherwise. */
export class WorktreesTreeProvider implements vscode.TreeDataProvider<WorktreesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WorktreesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly agentFiles: AgentFilesCache;
  private readonly drift: BaseDriftCache;

  constructor(
    private readonly model: WorktreesModel,
    private readonly service: GitService,
    private readonly agents?: {
      activityOf(worktreePath: string): AgentActivity;
      onDidChange(listener: () => void): vscode.Disposable;
    },
    private readonly now: () => number = Date.now,
  ) {
    this.subscription = vscode.Disposable.from(
      model.onDidChange(() => this.changed.fire(undefined)),
      agents?.onDidChange(() => this.changed.fire(undefined)) ?? new vscode.Disposable(() => {}),
    );
    this.agentFiles = new AgentFilesCache(service);
    this.drift = new BaseDriftCache(
      (cwd, range) => service.countCommits(cwd, range),
      () => this.changed.fire(undefined),
    );
  }

  getChildren(node?: WorktreesNode): WorktreesNode[] | Promise<WorktreesNode[]> {
    if (!node) {
      const repositories = this.model.repositories();
      if (repositories.length === 1) return this.childrenOf(repositories[0] as RepositoryEntry);
      return repositories.map((repository) => ({ type: 'repository', repository }));
    }
    if (node.type === 'repository') return this.childrenOf(node.repository);
    if (node.type === 'attempts')
      return node.attempts.members.map((snapshot) => ({ type: 'worktree', repository: node.repository, snapshot }));
    if (node.type === 'worktree' && expandable(node.snapshot)) return this.agentChildren(node.repository, node.snapshot);
    return [];
  }

  /** An agent worktree's changed files against its base, and its commits ahead (read when expanded). */
  private async agentChildren(repository: RepositoryEntry, snapshot: WorktreeSnapshot): Promise<WorktreesNode[]> {
    try {
      const { files, baseCommit, commitsAhead } = await this.agentFiles.read(snapshot);
      // Short enough for the default sidebar width; the tooltip says it in full.
      const commits = `${commitsAhead} commit${commitsAhead === 1 ? '' : 's'} ahead`;
      const summary = `${commits} · ${files.length} file${files.length === 1 ? '' : 's'}`;
      return [
        { type: 'agentNote', repository, snapshot, text: summary, failed: false },
        ...files.map((file) => ({ type: 'agentChange' as const, repository, snapshot, file, baseCommit })),
      ];
    } catch (error) {
      const text = `Could not read the agent's changes: ${(error as Error).message}`;
      return [{ type: 'agentNote', repository, snapshot, text, failed: true }];
    }
  }

  private childrenOf(repository: RepositoryEntry): WorktreesNode[] {
    const nodes: WorktreesNode[] = [];
    if (repository.error) nodes.push({ type: 'error', repository, error: repository.error });
    for (const entry of arrangeByAttempts(repository.snapshot?.worktrees ?? [])) {
      nodes.push(
        isAttemptGroup(entry)
          ? { type: 'attempts', repository, attempts: entry }
          : { type: 'worktree', repository, snapshot: entry },
      );
    }
    const trash = repository.snapshot?.trash ?? [];
    if (trash.length > 0) nodes.push({ type: 'trash', repository, items: trash });
    return nodes;
  }

  getParent(node: WorktreesNode): WorktreesNode | undefined {
    if (node.type === 'agentChange' || node.type === 'agentNote')
      return { type: 'worktree', repository: node.repository, snapshot: node.snapshot };
    const group = node.type === 'worktree' ? node.snapshot.worktree.agent?.attempt?.group : undefined;
    const attempts = group ? findAttemptGroup(node.repository.snapshot?.worktrees ?? [], group) : undefined;
    if (attempts && attempts.members.length >= 2) return { type: 'attempts', repository: node.repository, attempts };
    if (node.type === 'repository' || this.model.repositories().length <= 1) return undefined;
    return { type: 'repository', repository: node.repository };
  }

  getTreeItem(node: WorktreesNode): vscode.TreeItem {
    switch (node.type) {
      case 'repository':
        return this.repositoryItem(node.repository);
      case 'error':
        return this.errorItem(node.repository, node.error);
      case 'worktree':
        return this.worktreeItem(node.snapshot, node.repository.snapshot?.worktrees ?? []);
      case 'agentChange':
        return agentChangeItem(node.snapshot, node.file, node.baseCommit);
      case 'agentNote':
        return agentNoteItem(node.snapshot, node.text, node.failed);
      case 'trash':
        return trashItem(node.repository, node.items);
      case 'attempts':
        return this.attemptsItem(node.repository, node.attempts);
    }
  }

  /** The tooltip needs the HEAD subject: one `git log` on hover rather than on every refresh. */
  async resolveTreeItem(item: vscode.TreeItem, node: WorktreesNode, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (node.type !== 'worktree') return item;
    const { worktree, status } = node.snapshot;
    let commit: { sha: string; subject: string; committedAt: number } | undefined;
    let aheadOfBase: number | undefined;
    let baseMoved: number | undefined;
    const head = status?.headOid ?? worktree.head;
    if (!worktree.gone && !worktree.bare && head && !/^0+$/.test(head)) {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        const agent = worktree.agent;
        [commit, aheadOfBase, baseMoved] = await Promise.all([
          this.service.describeCommit(worktree.path, head, controller.signal),
          agent ? this.service.countCommits(worktree.path, `${agent.baseCommit}..${head}`, controller.signal) : undefined,
          agent ? baseBranchGained(this.service, worktree.path, agent, controller.signal) : undefined,
        ]);
      } catch {
        // the tooltip still shows what the snapshot knows; the failure is in the log
      } finally {
        cancel.dispose();
      }
    }
    item.tooltip = this.worktreeTooltip(node.snapshot, commit, aheadOfBase, baseMoved);
    return item;
  }

  private repositoryItem(repository: RepositoryEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(repository.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `repository:${repository.commonDir}`;
    const count = repository.snapshot?.worktrees.length ?? 0;
    item.description = `${count} worktree${count === 1 ? '' : 's'}`;
    item.iconPath = new vscode.ThemeIcon('repo');
    item.tooltip = new vscode.MarkdownString().appendMarkdown('**Repository** ').appendText(repository.commonDir);
    item.contextValue = 'repository';
    return item;
  }

  /** `Speed up search` · `3 attempts · 2 working, 1 done`: the task, and how its attempts are doing. */
  private attemptsItem(repository: RepositoryEntry, attempts: AttemptGroup): vscode.TreeItem {
    const label = attempts.task ?? path.basename(attempts.members[0]?.worktree.path ?? '').replace(/-\d+$/, '');
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `attempts:${repository.commonDir}\0${attempts.group}`;
    const states = this.agents ? attempts.members.map(({ worktree }) => this.agents?.activityOf(worktree.path).state) : [];
    item.description = attemptsDescription(attempts, states);
    item.iconPath = new vscode.ThemeIcon('layers');
    item.tooltip = new vscode.MarkdownString(undefined, true)
      .appendMarkdown(
        `$(layers) **${attempts.members.length} attempts at one task** — Compare Attempts shows them side by side\n\n`,
      )
      .appendText(attempts.task ?? label);
    item.contextValue = 'attempts';
    item.accessibilityInformation = { label: `Attempts: ${label}, ${item.description}` };
    return item;
  }

  private errorItem(repository: RepositoryEntry, error: Error): vscode.TreeItem {
    const item = new vscode.TreeItem('Could not read worktrees', vscode.TreeItemCollapsibleState.None);
    item.id = `error:${repository.commonDir}`;
    item.description = error.message;
    item.tooltip = new vscode.MarkdownString().appendText(`${repository.commonDir}\n\n${error.message}`);
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.command = { title: 'Show Log', command: 'agentWorktrees.showLog' };
    item.contextValue = 'error';
    return item;
  }

  private worktreeItem(snapshot: WorktreeSnapshot, siblings: readonly WorktreeSnapshot[]): vscode.TreeItem {
    const { worktree } = snapshot;
    const collapsed = expandable(snapshot) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const name = path.basename(worktree.path) || worktree.path;
    // Under its task, an attempt is told apart by its number and agent (the names differ only at
    // their end, which a narrow sidebar cuts off); its name comes last.
    const attempt = attemptLabel(snapshot, siblings);
    const item = new vscode.TreeItem(attempt ?? name, collapsed);
    item.id = `worktree:${worktree.path}`;
    const behind = this.drift.commitsBehind(snapshot, siblings);
    const description = worktreeDescription(snapshot, this.now(), behind);
    const kind = worktreeKind(snapshot);
    const status = worktree.agent && this.agents ? agentStatusLook(this.agents.activityOf(worktree.path)) : undefined;
    item.description = [status?.word, description, attempt ? name : undefined].filter(Boolean).join(' · ');
    const icon = status ?? KIND_ICONS[kind];
    item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.resourceUri = worktreeDecorationUri(worktree.path);
    item.contextValue = worktreeContextValue(snapshot);
    item.accessibilityInformation = {
      label: `${KIND_NAMES[kind]} ${name}${attempt ? ` (attempt ${attempt})` : ''}, ${item.description}`,
    };
    return item;
  }

  private worktreeTooltip(
    snapshot: WorktreeSnapshot,
    commit: { sha: string; subject: string; committedAt: number } | undefined,
    aheadOfBase?: number,
    baseMoved?: number,
  ): vscode.MarkdownString {
    const { worktree, status, statusError } = snapshot;
    const kind = worktreeKind(snapshot);
    const md = new vscode.MarkdownString(undefined, true);
    // Icons are markdown; everything that comes from git or the disk goes through appendText (escaped).
    const line = (icon: string, text: string) => md.appendMarkdown(`$(${icon}) `).appendText(text).appendMarkdown('\n\n');
    md.appendMarkdown(`$(${KIND_ICONS[kind].icon}) **${KIND_NAMES[kind]}**\n\n`);
    md.appendText(worktree.path).appendMarkdown('\n\n');
    const agent = worktree.agent;
    const activity = agent && this.agents ? this.agents.activityOf(worktree.path) : undefined;
    const agentSentence = activity && agentStatusSentence(activity, this.now());
    if (activity && agentSentence) line(agentStatusLook(activity)?.icon.replace('~spin', '') ?? 'robot', agentSentence);
    if (agent?.task) line('comment', agent.task);
    if (agent) {
      const base = `${agent.baseBranch ?? 'detached'} @ ${shortSha(agent.baseCommit)}`;
      const ahead = aheadOfBase === undefined ? '' : ` · ${aheadOfBase} commit${aheadOfBase === 1 ? '' : 's'} ahead of base`;
      line('git-merge', `Base ${base}${ahead}`);
      if (baseMoved)
        line(
          'warning',
          `${agent.baseBranch} moved ${baseMoved} commit${baseMoved === 1 ? '' : 's'} since the agent started: Update from Base… brings them in`,
        );
      line(
        'calendar',
        `Created ${formatAgo(this.now() - Date.parse(agent.createdAt))}${agent.agentCommand ? ` · agent: ${agent.agentCommand}` : ''}`,
      );
      if (agent.ports) {
        const { first, count } = agent.ports;
        line('plug', `Ports ${first}–${first + count - 1} (PORT=${first} in its agent's terminal)`);
      }
    }
    const branch = status?.branch ?? worktree.branch;
    if (branch) line('git-branch', branch);
    const head = commit?.sha ?? status?.headOid ?? worktree.head;
    if (head && !/^0+$/.test(head)) {
      const about = commit ? ` ${commit.subject} (${formatAgo(this.now() - commit.committedAt)})` : '';
      line('git-commit', `${shortSha(head)}${about}`);
    }
    if (status?.upstream) line('cloud', `${status.upstream} · ${upstreamDistance(status.ahead, status.behind) || 'up to date'}`);
    if (status) line('diff', changeSentence(status));
    if (statusError) line('error', `Status could not be read: ${statusError.message}`);
    if (worktree.gone) line('circle-slash', 'The folder is missing on disk.');
    if (worktree.locked) line('lock', `Locked${worktree.lockReason ? `: ${worktree.lockReason}` : ''}`);
    if (worktree.prunable) line('trash', `Prunable${worktree.prunableReason ? `: ${worktree.prunableReason}` : ''}`);
    if (status?.lastActivityAt !== undefined) line('history', `Last activity ${formatAgo(this.now() - status.lastActivityAt)}`);
    return md;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** An agent worktree with a folder expands into what its agent changed. */
function expandable({ worktree }: WorktreeSnapshot): boolean {
  return worktree.agent !== undefined && !worktree.gone && !worktree.bare;
}

/** A changed file: name, folder, status letter and colour (decoration); a click opens its diff against the base. */
function agentChangeItem(snapshot: WorktreeSnapshot, file: ChangedFile, baseCommit: string): vscode.TreeItem {
  const worktreePath = snapshot.worktree.path;
  const item = new vscode.TreeItem(agentChangeUri(worktreePath, file), vscode.TreeItemCollapsibleState.None);
  item.id = `change:${worktreePath}\0${file.path}`;
  item.label = path.posix.basename(file.path);
  const folder = path.posix.dirname(file.path);
  const renamed = file.oldPath ? `from ${file.oldPath}` : undefined;
  item.description = [folder === '.' ? undefined : folder, renamed].filter(Boolean).join(' · ');
  item.tooltip = `${file.path} — ${changeName(file)}${file.binary ? ', binary' : ''} · +${file.additions} −${file.deletions}`;
  item.contextValue = 'agentChange';
  item.command = {
    title: 'Open Changes',
    command: 'agentWorktrees.openAgentChange',
    arguments: [{ worktreePath, revision: baseCommit, path: file.path, oldPath: file.oldPath }],
  };
  item.accessibilityInformation = { label: `${changeName(file)} ${file.path}` };
  return item;
}

function agentNoteItem(snapshot: WorktreeSnapshot, text: string, failed: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(text, vscode.TreeItemCollapsibleState.None);
  item.id = `note:${snapshot.worktree.path}`;
  item.tooltip = failed ? text : 'Commits on its branch since its base, and every file it changed against its base (kept or not)';
  item.iconPath = failed
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
    : new vscode.ThemeIcon('git-commit');
  if (failed) item.command = { title: 'Show Log', command: 'agentWorktrees.showLog' };
  item.contextValue = 'agentNote';
  return item;
}

/** The Trash row, `2 discarded worktrees`: click to restore one; the tooltip lists what is there. */
function trashItem(repository: RepositoryEntry, items: readonly TrashItem[]): vscode.TreeItem {
  const item = new vscode.TreeItem('Trash', vscode.TreeItemCollapsibleState.None);
  item.id = `trash:${repository.commonDir}`;
  item.description = `${items.length} discarded worktree${items.length === 1 ? '' : 's'}`;
  item.iconPath = new vscode.ThemeIcon('trash');
  const tooltip = new vscode.MarkdownString().appendMarkdown('**Trash** — click to restore one\n\n');
  for (const entry of items.slice(0, 10)) tooltip.appendText(`• ${trashLabel(entry)} — ${trashDescription(entry)}\n`);
  if (items.length > 10) tooltip.appendText(`… and ${items.length - 10} more`);
  item.tooltip = tooltip;
  item.command = { title: 'Restore Discarded Agent Work…', command: 'agentWorktrees.restoreDiscarded' };
  item.contextValue = 'trash';
  return item;
}
