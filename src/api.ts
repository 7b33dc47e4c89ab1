import type { GitService } from './git';
import type { WorktreesModel } from './views/worktreesModel';
import type { WorktreesTreeProvider } from './views/worktreesTree';

/**
 * What `activate` returns. Integration tests drive the view through it; later issues add the
 * agent-worktree operations here for other extensions.
 */
export interface AgentWorktreesApi {
  readonly service: GitService;
  readonly model: WorktreesModel;
  readonly treeDataProvider: WorktreesTreeProvider;
}
