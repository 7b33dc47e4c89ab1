import type { Landing, ReviewData } from '../protocol';
import { element, withIcon } from './dom';

// How the work lands, said before any click (issue 13, item 5): a plain Keep (unstaged or staged),
// Keep and Commit (a message prefilled, editable), or Cherry-pick of the agent's own commits.

/**
 * This page's Keep and Commit choice. The user's edit of the message survives refreshes while the
 * message offered stays the same (a keep or new agent commits change it: then the edit goes).
 */
export const commitChoice = {
  enabled: false,
  edited: undefined as string | undefined,
  offered: undefined as string | undefined,
};

/** The message a keep sends: undefined for a plain keep (a blank one disables the Keep buttons). */
export function commitMessage(landing: Landing | undefined): string | undefined {
  if (!landing || !commitChoice.enabled) return undefined;
  return commitChoice.edited ?? landing.commitMessage;
}

const where = (review: ReviewData) => review.target.split(/[\\/]/).filter(Boolean).at(-1) ?? review.target;
const onBranch = (landing: Landing) => (landing.targetBranch ? `branch ${landing.targetBranch}` : 'the detached HEAD');

/** What Keep Selected and Keep All will do, in one sentence. */
export function landingPlan(review: ReviewData): string {
  const landing = review.landing;
  if (landing && commitChoice.enabled) {
    return `Keeping writes the chosen changes into ${where(review)} and commits exactly those files on ${onBranch(landing)}, with your name and hooks. Refused if a kept file has uncommitted edits of yours.`;
  }
  const as = landing?.staged ? 'staged' : 'unstaged';
  return `Keeping writes the chosen changes into ${where(review)} as ${as} changes; your own uncommitted edits there are merged, never unstaged.`;
}

/**
 * The landing row under the actions: "Commit the kept files" with its message, and the plan line.
 * `changed` re-renders the buttons' words and the plan.
 */
export function landingRow(review: ReviewData, changed: () => void): HTMLElement {
  const row = element('div', { className: 'landing' });
  const landing = review.landing;
  if (landing) {
    if (commitChoice.offered !== landing.commitMessage) commitChoice.edited = undefined;
    commitChoice.offered = landing.commitMessage;
    const toggle = element('input', { type: 'checkbox', id: 'commit-kept', checked: commitChoice.enabled });
    const label = element('label', { htmlFor: 'commit-kept' }, `Commit the kept files on ${onBranch(landing)}`);
    const message = element('textarea', {
      id: 'commit-message',
      rows: 3,
      value: commitChoice.edited ?? landing.commitMessage,
      hidden: !commitChoice.enabled,
    });
    message.setAttribute('aria-label', 'Commit message');
    toggle.addEventListener('change', () => {
      commitChoice.enabled = toggle.checked;
      message.hidden = !toggle.checked;
      changed();
    });
    message.addEventListener('input', () => {
      commitChoice.edited = message.value;
      changed();
    });
    const choice = element('div', { className: 'commit-choice' });
    choice.append(toggle, label);
    row.append(choice, message);
  }
  row.append(element('p', { className: 'meta', id: 'landing-plan', ariaLive: 'polite' }, landingPlan(review)));
  const stale = landing?.staleBase;
  if (stale) {
    const count = `${stale.commits} commit${stale.commits === 1 ? '' : 's'}`;
    const warning = element(
      'p',
      { className: 'stale-base', role: 'note' },
      `${stale.branch} moved ${count} since this agent started: it worked on an older base. Update from Base… (the worktree's menu) brings them in before you keep.`,
    );
    row.append(withIcon(warning, 'warning'));
  }
  return row;
}

/** Cherry-pick N Commits, when the agent has commits that can land as they are; says what it does. */
export function cherryPickButton(review: ReviewData, pick: () => void): HTMLButtonElement | undefined {
  const landing = review.landing;
  if (!landing || landing.pickable.length === 0) return undefined;
  const count = landing.pickable.length;
  const button = withIcon(
    element('button', { id: 'cherry-pick' }, `Cherry-pick ${count} Commit${count === 1 ? '' : 's'}`),
    'git-commit',
  );
  const subjects = landing.pickable.map((subject) => `“${subject}”`).join(', ');
  button.title = `Picks the agent’s commits onto ${onBranch(landing)} in ${where(review)}, each with its own message and author: ${subjects}. Nothing changes if one conflicts or your checkout has uncommitted changes on those files. The agent’s uncommitted work stays here to review.`;
  button.setAttribute('aria-label', `Cherry-pick ${count} commit${count === 1 ? '' : 's'} onto ${onBranch(landing)}`);
  button.addEventListener('click', pick);
  return button;
}
