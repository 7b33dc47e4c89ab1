import { html as renderDiff } from 'diff2html';
import type { DiffLayout, HostMessage, LastKeep, PageMessage, PageState, ReviewData, ReviewFile } from '../protocol';
import { PageSelection } from './selection';

/**
 * The review panel's page. Everything from the host (file names, contents, the task) is
 * untrusted text: it is only ever set through textContent, or rendered by diff2html, which
 * escapes line content; diff2html's own file header is dropped for ours.
 */
declare function acquireVsCodeApi(): {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: PageState): void;
};

const vscode = acquireVsCodeApi();
const STATUS_ICON: Record<ReviewFile['status'], string> = {
  added: 'diff-added',
  modified: 'diff-modified',
  deleted: 'diff-removed',
  renamed: 'diff-renamed',
  copied: 'diff-added',
  'type-changed': 'diff-modified',
};
const STATUS_LETTER: Record<ReviewFile['status'], string> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
  copied: 'C',
  'type-changed': 'T',
};

let review: ReviewData | undefined;
let layout: DiffLayout = 'side-by-side';
let nextRequestId = 1;
const previous = (vscode.getState() ?? {}) as Partial<PageState>;
// The selection lives in the host (it outlives this page); adopted from the first review message.
let adopted = false;
const choices = new PageSelection();
/** The request waiting for its reply: the action buttons stay disabled until it comes. */
let pending: number | undefined;
const rendered = new Set<string>();
let lastStatus = { text: '', error: false };
const root = document.getElementById('app') as HTMLElement;

const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const index = Number((entry.target as HTMLElement).dataset.index);
      const file = review?.files[index];
      if (file && !file.collapsed) renderFileDiff(entry.target as HTMLElement, file);
    }
  },
  { rootMargin: '600px 0px' },
);

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message?.type === 'review') {
    if (!adopted) choices.adopt(message.selection);
    adopted = true;
    review = message.review;
    layout = message.layout;
    render();
  } else if (message?.type === 'result') {
    setStatus(message.message, !message.ok);
    if (message.requestId === pending) pending = undefined;
    updateButtons();
  } else if (message?.type === 'gone') {
    root.replaceChildren(element('p', { className: 'empty' }, message.message));
  }
});
window.addEventListener('scroll', () => saveState(), { passive: true });

/** Every change of the selection goes to the host, which remembers it for this worktree. */
function selectionChanged(): void {
  vscode.postMessage({ type: 'selection', selection: choices.toSelection() });
  for (const box of document.querySelectorAll<HTMLInputElement>('input.file-check, input.hunk-check')) {
    const file = review?.files.find((candidate) => candidate.path === box.dataset.path);
    if (!file) continue;
    box.checked =
      box.dataset.hunk === undefined ? choices.fileChecked(file) : choices.hunkChecked(file, Number(box.dataset.hunk));
  }
  updateButtons();
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  if (text !== undefined) node.textContent = text;
  return node;
}

function targetLine(data: ReviewData): HTMLElement {
  const line = element(
    'p',
    { className: 'meta' },
    `${data.branch ?? 'detached'} · base ${data.base} · keeps into ${data.target} `,
  );
  const change = element('button', { className: 'link', id: 'choose-target' }, 'Change…');
  change.addEventListener('click', () => vscode.postMessage({ type: 'chooseTarget' }));
  line.append(change);
  return line;
}

function withIcon<T extends HTMLElement>(node: T, icon: string): T {
  node.prepend(element('span', { className: `codicon codicon-${icon}`, ariaHidden: 'true' }));
  return node;
}

function render(): void {
  if (!review) return;
  rendered.clear();
  observer.disconnect();
  const scrollY = window.scrollY || previous.scrollY || 0;
  const { totals } = review;
  const header = element('header', { className: 'review-header' });
  header.append(
    element('h1', {}, review.title),
    ...(review.task ? [element('p', { className: 'task' }, review.task)] : []),
    targetLine(review),
    element(
      'p',
      { className: 'meta' },
      `${totals.files} file${totals.files === 1 ? '' : 's'} · +${totals.additions} −${totals.deletions}`,
    ),
  );
  const actions = element('div', { className: 'actions' });
  const keepSelected = withIcon(element('button', { className: 'primary', id: 'keep-selected' }, 'Keep Selected'), 'check');
  const keepAll = withIcon(element('button', { id: 'keep-all' }, 'Keep All'), 'check-all');
  const discard = withIcon(element('button', { className: 'danger', id: 'discard' }, 'Discard…'), 'trash');
  const toggle = element('button', { id: 'layout' }, layout === 'side-by-side' ? 'Inline view' : 'Side-by-side view');
  const capture = review.capture;
  keepSelected.addEventListener('click', () =>
    send({ type: 'keep', requestId: nextRequestId++, capture, ...choices.keepRequest(review?.files ?? []) }),
  );
  keepAll.addEventListener('click', () => send({ type: 'keepAll', requestId: nextRequestId++, capture }));
  discard.addEventListener('click', () => send({ type: 'discard', requestId: nextRequestId++ }));
  toggle.addEventListener('click', () => {
    layout = layout === 'side-by-side' ? 'line-by-line' : 'side-by-side';
    vscode.postMessage({ type: 'setLayout', layout });
    render();
  });
  actions.append(keepSelected, keepAll, discard, toggle);
  if (review.lastKeep) actions.append(undoButton(review.lastKeep));
  // The last result stays visible across re-renders (a keep is followed by a fresh capture).
  const status = element('p', { className: 'status', id: 'status', role: 'status' }, lastStatus.text);
  status.classList.toggle('error', lastStatus.error);
  header.append(actions, status);

  if (review.files.length === 0) {
    root.replaceChildren(
      header,
      element('p', { className: 'empty' }, 'Nothing to review: the agent has no changes that were not kept yet.'),
    );
    updateButtons();
    return;
  }
  const list = element('ul', { className: 'file-list', ariaLabel: 'Changed files' });
  const diffs = element('div', { className: 'diffs' });
  review.files.forEach((file, index) => {
    list.append(fileListItem(file, index));
    diffs.append(fileSection(file, index));
  });
  root.replaceChildren(header, list, diffs);
  updateButtons();
  window.scrollTo(0, scrollY);
  saveState();
}

/** Undo Last Keep: names what it undoes; the host undoes its own record of this worktree's newest keep. */
function undoButton(last: LastKeep): HTMLButtonElement {
  const files = `${last.files} file${last.files === 1 ? '' : 's'}`;
  const button = withIcon(element('button', { id: 'undo-keep' }, 'Undo Last Keep'), 'discard');
  button.title = `Put back the ${files} the last keep wrote into ${last.target} (${new Date(last.at).toLocaleString()}), exactly as they were before it`;
  button.setAttribute('aria-label', `Undo Last Keep: ${files} into ${last.target}`);
  button.addEventListener('click', () => send({ type: 'undoKeep', requestId: nextRequestId++ }));
  return button;
}

function fileCheckbox(file: ReviewFile, where: string): HTMLInputElement {
  const box = element('input', { type: 'checkbox', checked: choices.fileChecked(file), className: 'file-check' });
  box.setAttribute('aria-label', `Keep ${file.path} (${where})`);
  box.dataset.path = file.path;
  box.addEventListener('change', () => {
    choices.setFileChecked(file, box.checked);
    selectionChanged();
  });
  return box;
}

function fileListItem(file: ReviewFile, index: number): HTMLLIElement {
  const item = element('li', { className: `file status-${file.status}` });
  const label = element('label');
  label.append(
    fileCheckbox(file, 'file list'),
    element('span', {
      className: `badge codicon codicon-${STATUS_ICON[file.status]}`,
      title: `${file.status} (${STATUS_LETTER[file.status]})`,
    }),
    element('span', { className: 'path' }, file.oldPath ? `${file.oldPath} → ${file.path}` : file.path),
  );
  const jump = element(
    'a',
    { href: `#file-${index}`, className: 'counts' },
    file.binary ? 'binary' : `+${file.additions} −${file.deletions}`,
  );
  const open = element('button', { className: 'link' }, 'Open in Diff Editor');
  open.addEventListener('click', () => vscode.postMessage({ type: 'openDiff', path: file.path }));
  item.append(label, jump, open);
  return item;
}

function fileSection(file: ReviewFile, index: number): HTMLElement {
  const section = element('section', { className: 'file-diff', id: `file-${index}`, dataset: { index: String(index) } });
  const title = element('h2');
  title.append(fileCheckbox(file, 'diff'), element('span', { className: 'path' }, file.path));
  section.append(title);
  const body = element('div', { className: 'diff-body' });
  section.append(body);
  if (file.collapsed) {
    const summary = file.binary
      ? 'Binary file: kept or left whole.'
      : `Large change (+${file.additions} −${file.deletions}), collapsed.`;
    const show = element('button', { className: 'link' }, file.binary ? '' : 'Show diff');
    body.append(element('p', { className: 'summary' }, summary));
    if (!file.binary) {
      show.addEventListener('click', () => renderFileDiff(section, file));
      body.append(show);
    }
  } else {
    // Until drawn, the section is as tall as its diff will roughly be: otherwise hundreds of empty
    // sections all sit "in view" at once and every one of them is drawn before the first paint.
    body.style.minHeight = `${estimatedHeight(file)}px`;
    observer.observe(section);
  }
  return section;
}

/** Rows a diff takes, side by side (the longer side) or inline (both), at ~20 px a row. */
function estimatedHeight(file: ReviewFile): number {
  const rows = layout === 'side-by-side' ? Math.max(file.additions, file.deletions) : file.additions + file.deletions;
  const context = 6 * file.hunkCount; // up to three lines of context around each hunk
  return 20 * (rows + context + file.hunkCount) + (file.hunkCount > 1 ? 24 * (file.hunkCount + 1) : 0);
}

function renderFileDiff(section: HTMLElement, file: ReviewFile): void {
  if (rendered.has(file.path)) return;
  rendered.add(file.path);
  const body = section.querySelector('.diff-body') as HTMLElement;
  const container = element('div');
  container.innerHTML = renderDiff(file.diff, { outputFormat: layout, drawFileList: false, matching: 'lines' });
  for (const foreignHeader of container.querySelectorAll('.d2h-file-header')) foreignHeader.remove();
  addHunkCheckboxes(container, file);
  body.replaceChildren(container);
  body.style.minHeight = '';
}

/**
 * One checkbox per hunk, in a list above the file's diff, labelled with the hunk's header
 * (`@@ -10,3 +10,4 @@ …`): keyboard-operable and independent of diff2html's table layout.
 */
function addHunkCheckboxes(container: HTMLElement, file: ReviewFile): void {
  if (file.hunkCount < 2) return; // one hunk: the file's own checkbox decides
  const headers = file.diff.split('\n').filter((line) => line.startsWith('@@'));
  const list = element('fieldset', { className: 'hunks' });
  list.append(element('legend', {}, 'Hunks to keep'));
  headers.forEach((header, index) => {
    const label = element('label', { className: 'hunk' });
    const box = element('input', { type: 'checkbox', checked: choices.hunkChecked(file, index), className: 'hunk-check' });
    box.setAttribute('aria-label', `Keep hunk ${index + 1} of ${file.path}`);
    box.dataset.path = file.path;
    box.dataset.hunk = String(index);
    box.addEventListener('change', () => {
      choices.setHunkChecked(file, index, box.checked);
      selectionChanged();
    });
    label.append(box, element('code', {}, header));
    list.append(label);
  });
  container.prepend(list);
}

function send(message: PageMessage & { requestId: number }): void {
  pending = message.requestId;
  updateButtons();
  setStatus('Working…', false);
  vscode.postMessage(message);
}

/**
 * The buttons follow the panel's state on every render, reply and tick: all disabled while a
 * request waits for its reply; Keep disabled when there is nothing (or nothing ticked) to keep.
 */
function updateButtons(): void {
  const files = review?.files ?? [];
  const nothingTicked = choices.keepRequest(files).files.length === 0;
  for (const button of document.querySelectorAll<HTMLButtonElement>('.actions button')) {
    const keeps = button.id === 'keep-all' || button.id === 'keep-selected';
    button.disabled = pending !== undefined || (keeps && files.length === 0) || (button.id === 'keep-selected' && nothingTicked);
  }
}

function setStatus(text: string, error: boolean): void {
  lastStatus = { text, error };
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** What the serializer needs to restore this panel after a reload (the selection is the host's). */
function saveState(): void {
  if (!review) return;
  vscode.setState({ worktreePath: review.worktreePath, scrollY: window.scrollY });
}

vscode.postMessage({ type: 'ready' });
