import type { ReviewFile } from '../protocol';
import { element } from './dom';
import { isViewed, page, vscode } from './page';

/**
 * "Viewed" per file, as in VS Code's and GitHub's reviews: a viewed file's diff folds away and its
 * list row gets a check; the mark is kept with the diff's hash, so a new change by the agent
 * shows the file again by itself. "Show only unviewed" hides the viewed ones.
 */
export function viewedToggle(file: ReviewFile, changed: () => void): HTMLLabelElement {
  const label = element('label', { className: 'viewed-toggle' });
  const box = element('input', { type: 'checkbox', className: 'viewed-check', checked: isViewed(file) });
  box.setAttribute('aria-label', `Viewed ${file.path}`);
  box.addEventListener('change', () => {
    const rest = Object.entries(page.viewed).filter(([path]) => path !== file.path);
    page.viewed = Object.fromEntries(box.checked ? [...rest, [file.path, file.viewKey]] : rest);
    vscode.postMessage({ type: 'setViewed', path: file.path, viewKey: file.viewKey, viewed: box.checked });
    changed();
  });
  label.append(box, element('span', {}, 'Viewed'));
  return label;
}

export function unviewedFilter(changed: () => void): HTMLLabelElement {
  const label = element('label', { className: 'unviewed-filter' });
  const box = element('input', { type: 'checkbox', id: 'only-unviewed', checked: page.onlyUnviewed });
  box.addEventListener('change', () => {
    page.onlyUnviewed = box.checked;
    changed();
  });
  label.append(box, element('span', {}, 'Show only unviewed'));
  return label;
}

/** Each file's row and section show whether it is viewed, and hide under the filter. */
export function showViewed(files: readonly ReviewFile[]): void {
  const byPath = new Map(files.map((file) => [file.path, file]));
  let viewedCount = 0;
  for (const owner of document.querySelectorAll<HTMLElement>('li.file, section.file-diff')) {
    const file = byPath.get(owner.dataset.path ?? '');
    if (!file) continue;
    const viewed = isViewed(file);
    if (viewed && owner.tagName === 'LI') viewedCount++;
    owner.classList.toggle('viewed', viewed);
    owner.hidden = viewed && page.onlyUnviewed;
    const box = owner.querySelector<HTMLInputElement>('input.viewed-check');
    if (box) box.checked = viewed;
  }
  const count = document.getElementById('viewed-count');
  if (count) count.textContent = `${viewedCount} of ${files.length} viewed`;
}
