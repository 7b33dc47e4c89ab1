import type { HostMessage, PageState } from '../protocol';
import { element } from './dom';
import { fileListItem, fileSection, rendered, renderFileDiff, showChoices, stopsOf, whenChanged } from './fileView';
import { reviewHeader, setStatus, updateButtons } from './header';
import { installHunkKeys } from './hunks';
import { page, vscode } from './page';
import { showViewed, unviewedFilter } from './viewed';

/**
 * The review panel's page. Everything from the host (file names, contents, the task) is
 * untrusted text: it is only ever set through textContent, or rendered by diff2html, which
 * escapes line content; diff2html's own file header is dropped for ours.
 */
const previous = (vscode.getState() ?? {}) as Partial<PageState>;
// The selection lives in the host (it outlives this page); adopted from the first review message.
let adopted = false;
const root = document.getElementById('app') as HTMLElement;

const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const index = Number((entry.target as HTMLElement).dataset.index);
      const file = page.review?.files[index];
      if (file && !file.collapsed) renderFileDiff(entry.target as HTMLElement, file);
    }
  },
  { rootMargin: '600px 0px' },
);

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message?.type === 'review') {
    if (!adopted) page.choices.adopt(message.selection);
    adopted = true;
    page.review = message.review;
    page.layout = message.layout;
    page.viewed = message.viewed;
    render();
  } else if (message?.type === 'result') {
    setStatus(message.message, !message.ok);
    if (message.requestId === page.pending) page.pending = undefined;
    updateButtons();
  } else if (message?.type === 'gone') {
    root.replaceChildren(element('p', { className: 'empty' }, message.message));
  }
});
window.addEventListener('scroll', () => saveState(), { passive: true });
installHunkKeys(stopsOf);

whenChanged({
  /** Every change of the selection goes to the host, which remembers it for this worktree. */
  selection: () => {
    vscode.postMessage({ type: 'selection', selection: page.choices.toSelection() });
    showAllChoices();
    updateButtons();
  },
  viewed: () => showViewed(page.review?.files ?? []),
});

/** Each file's list row and section show its ticks, dimming and counts. */
function showAllChoices(): void {
  const files = new Map((page.review?.files ?? []).map((file) => [file.path, file]));
  for (const owner of document.querySelectorAll<HTMLElement>('li.file, section.file-diff')) {
    const file = files.get(owner.dataset.path ?? '');
    if (file) showChoices(owner, file);
  }
}

function render(): void {
  const review = page.review;
  if (!review) return;
  rendered.clear();
  observer.disconnect();
  const scrollY = window.scrollY || previous.scrollY || 0;
  const header = reviewHeader(review, render);
  if (review.files.length === 0) {
    root.replaceChildren(
      header,
      element('p', { className: 'empty' }, 'Nothing to review: the agent has no changes that were not kept yet.'),
    );
    updateButtons();
    return;
  }
  const tools = element('div', { className: 'list-tools' });
  tools.append(
    unviewedFilter(() => showViewed(review.files)),
    element('span', { className: 'meta', id: 'viewed-count' }),
  );
  const list = element('ul', { className: 'file-list', ariaLabel: 'Changed files' });
  const diffs = element('div', { className: 'diffs' });
  review.files.forEach((file, index) => {
    list.append(fileListItem(file, index));
    diffs.append(fileSection(file, index, observer));
  });
  root.replaceChildren(header, tools, list, diffs);
  showAllChoices();
  showViewed(review.files);
  updateButtons();
  window.scrollTo(0, scrollY);
  saveState();
}

/** What the serializer needs to restore this panel after a reload (the selection is the host's). */
function saveState(): void {
  if (!page.review) return;
  vscode.setState({ worktreePath: page.review.worktreePath, scrollY: window.scrollY });
}

vscode.postMessage({ type: 'ready' });
