import { Diff2HtmlUI } from 'diff2html/lib-esm/ui/js/diff2html-ui-base';
import type { ReviewFile } from '../protocol';
import { element } from './dom';
import { hljs, languageOf, loadLanguage } from './highlight';
import { decorateHunks } from './hunks';
import { page, vscode } from './page';
import { STATUS_LETTER } from './statusLetters';
import { countsText } from './summary';
import { viewedToggle } from './viewed';

const STATUS_ICON: Record<ReviewFile['status'], string> = {
  added: 'diff-added',
  modified: 'diff-modified',
  deleted: 'diff-removed',
  renamed: 'diff-renamed',
  copied: 'diff-added',
  'type-changed': 'diff-modified',
};

/** Files whose diff is drawn (by path); cleared on every full render. */
export const rendered = new Set<string>();

/** Called after every tick: the host remembers it, and the page shows what it means. */
let onSelectionChanged: () => void = () => {};
let onViewedChanged: () => void = () => {};
export function whenChanged(callbacks: { selection: () => void; viewed: () => void }): void {
  onSelectionChanged = callbacks.selection;
  onViewedChanged = callbacks.viewed;
}

function fileCheckbox(file: ReviewFile, where: string): HTMLInputElement {
  const box = element('input', { type: 'checkbox', className: 'file-check' });
  box.setAttribute('aria-label', `Keep ${file.path} (${where})`);
  box.dataset.path = file.path;
  box.addEventListener('change', () => {
    page.choices.setFileChecked(file, box.checked);
    onSelectionChanged();
  });
  return box;
}

export function fileListItem(file: ReviewFile, index: number): HTMLLIElement {
  const item = element('li', { className: `file status-${file.status}`, dataset: { path: file.path } });
  const label = element('label');
  label.append(
    fileCheckbox(file, 'file list'),
    element('span', {
      className: `badge codicon codicon-${STATUS_ICON[file.status]}`,
      title: `${file.status} (${STATUS_LETTER[file.status]})`,
    }),
    element('span', { className: 'path' }, file.oldPath ? `${file.oldPath} → ${file.path}` : file.path),
  );
  const jump = element('a', { href: `#file-${index}`, className: 'counts' }, countsText(page.choices, file));
  const open = element('button', { className: 'link' }, 'Open in Diff Editor');
  open.addEventListener('click', () => vscode.postMessage({ type: 'openDiff', path: file.path }));
  const viewed = element('span', { className: 'viewed-mark codicon codicon-pass', title: 'Viewed' });
  item.append(label, viewed, jump, open);
  return item;
}

export function fileSection(file: ReviewFile, index: number, observer: IntersectionObserver): HTMLElement {
  const section = element('section', {
    className: 'file-diff',
    id: `file-${index}`,
    dataset: { index: String(index), path: file.path },
  });
  section.setAttribute('aria-label', file.path);
  const title = element('h2');
  title.append(
    fileCheckbox(file, 'diff'),
    element('span', { className: 'path' }, file.path),
    viewedToggle(file, onViewedChanged),
  );
  section.append(title);
  const body = element('div', { className: 'diff-body' });
  section.append(body);
  if (file.collapsed) {
    const summary = file.binary
      ? 'Binary file: kept or left whole.'
      : `Large change (+${file.additions} −${file.deletions}), collapsed.`;
    body.append(element('p', { className: 'summary' }, summary));
    if (!file.binary) {
      const show = element('button', { className: 'link' }, 'Show diff');
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
  const rows = page.layout === 'side-by-side' ? Math.max(file.additions, file.deletions) : file.additions + file.deletions;
  const context = 6 * file.hunkCount; // up to three lines of context around each hunk
  return 20 * (rows + context + file.hunkCount);
}

export function renderFileDiff(section: HTMLElement, file: ReviewFile): void {
  if (rendered.has(file.path)) return;
  rendered.add(file.path);
  const body = section.querySelector('.diff-body') as HTMLElement;
  const container = element('div');
  const language = languageOf(file.path);
  const ui = new Diff2HtmlUI(
    container,
    file.diff,
    {
      outputFormat: page.layout,
      drawFileList: false,
      matching: 'lines',
      highlight: false,
      highlightLanguages: new Map(language ? [[language, language]] : []),
      synchronisedScroll: true, // the two sides of a long line scroll together
      fileListToggle: false,
      fileContentToggle: false,
      stickyFileHeaders: false,
    },
    hljs,
  );
  ui.draw();
  for (const foreignHeader of container.querySelectorAll('.d2h-file-header')) foreignHeader.remove();
  decorateHunks(container, file, (index, checked) => {
    page.choices.setHunkChecked(file, index, checked);
    onSelectionChanged();
  });
  body.replaceChildren(container);
  body.style.minHeight = '';
  showChoices(section, file);
  if (language) void highlightLater(container, language, ui);
}

/**
 * Colours come after the diff is on screen: the grammar's chunk is fetched once, and the lines are
 * highlighted when the page is idle (at most 300 ms later), one file per idle callback, so drawing
 * and scrolling never wait for them. highlight.js escapes the text; diff2html keeps its word marks.
 */
async function highlightLater(container: HTMLElement, language: string, ui: Diff2HtmlUI): Promise<void> {
  if (!(await loadLanguage(language))) return;
  await new Promise((resolve) => requestIdleCallback(resolve, { timeout: 300 }));
  if (!container.isConnected) return;
  for (const wrapper of container.querySelectorAll('.d2h-file-wrapper')) wrapper.setAttribute('data-lang', language);
  ui.highlightCode();
  container.classList.add('highlighted');
}

/** The keyboard's stops in one file: its checkbox, then its hunks' (its diff drawn first). */
export function stopsOf(section: HTMLElement): HTMLInputElement[] {
  const file = page.review?.files[Number(section.dataset.index)];
  if (file && !file.collapsed) renderFileDiff(section, file);
  const boxes = [...section.querySelectorAll<HTMLInputElement>('h2 input.file-check, input.hunk-check')];
  return boxes.filter((box) => box.getClientRects().length > 0); // not the hunks of a folded (viewed) file
}

/**
 * Shows one file's ticks: its checkboxes (tri-state: all, some — `indeterminate`, announced as
 * "mixed" — or none), its hunks and itself dimmed when left out, and its counts.
 */
export function showChoices(root: ParentNode, file: ReviewFile): void {
  const state = page.choices.fileState(file);
  for (const box of root.querySelectorAll<HTMLInputElement>('input.file-check')) {
    box.checked = state !== 'none';
    box.indeterminate = state === 'some';
    box.setAttribute('aria-checked', state === 'some' ? 'mixed' : String(state === 'all'));
  }
  for (const box of root.querySelectorAll<HTMLInputElement>('input.hunk-check')) {
    box.checked = page.choices.hunkChecked(file, Number(box.dataset.hunk));
  }
  for (const group of root.querySelectorAll<HTMLElement>('tbody.hunk')) {
    group.classList.toggle('excluded', !page.choices.hunkChecked(file, Number(group.dataset.hunk)));
  }
  const owner = root instanceof HTMLElement ? root : undefined;
  owner?.classList.toggle('excluded', state === 'none');
  owner?.classList.toggle('partial', state === 'some');
  const counts = root.querySelector('.counts');
  if (counts) counts.textContent = countsText(page.choices, file);
}
