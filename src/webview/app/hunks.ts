import type { ReviewFile } from '../protocol';
import { element } from './dom';

/**
 * Puts each hunk's rows of diff2html's tables into a `<tbody class="hunk">` of its own (so a hunk
 * left out can be dimmed as one), and a checkbox into each hunk's header row — in the left table
 * only when side by side. Nothing is added when diff2html's hunks do not match the host's count.
 */
export function decorateHunks(
  container: HTMLElement,
  file: ReviewFile,
  toggled: (index: number, checked: boolean) => void,
): void {
  const tables = [...container.querySelectorAll<HTMLTableElement>('table.d2h-diff-table')];
  tables.forEach((table, side) => {
    const source = table.tBodies[0];
    if (!source) return;
    const rows = [...source.rows];
    const headers = rows.filter((row) => row.querySelector('td.d2h-info') !== null);
    if (headers.length !== file.hunkCount) return;
    const groups: HTMLTableSectionElement[] = [];
    for (const row of rows) {
      if (headers.includes(row)) {
        const index = groups.length;
        groups.push(element('tbody', { className: 'd2h-diff-tbody hunk', dataset: { hunk: String(index) } }));
        row.classList.add('hunk-header');
        if (side === 0) labelHeader(row, file, index, toggled);
      }
      groups.at(-1)?.append(row);
    }
    if (groups.length > 0) source.replaceWith(...groups);
  });
}

/** The header's `@@ … @@` text becomes the label of the hunk's checkbox. */
function labelHeader(
  row: HTMLTableRowElement,
  file: ReviewFile,
  index: number,
  toggled: (index: number, checked: boolean) => void,
): void {
  const line = row.querySelector<HTMLElement>('.d2h-code-line, .d2h-code-side-line');
  if (!line) return;
  const box = element('input', { type: 'checkbox', className: 'hunk-check' });
  box.dataset.path = file.path;
  box.dataset.hunk = String(index);
  box.setAttribute('aria-label', `Keep hunk ${index + 1} of ${file.path}`);
  box.addEventListener('change', () => toggled(index, box.checked));
  const label = element('label', { className: 'hunk-label' });
  label.append(box, element('span', { className: 'hunk-range' }, line.textContent?.trim() ?? ''));
  line.replaceChildren(label);
}

/**
 * Keyboard: j / Alt+Down and k / Alt+Up move between the checkboxes of files and hunks (drawing a
 * file's diff when the focus gets there); Space or Enter toggles the focused one.
 */
export function installHunkKeys(stopsOf: (section: HTMLElement) => HTMLInputElement[]): void {
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    if (event.key === 'Enter' && target instanceof HTMLInputElement && target.type === 'checkbox') {
      event.preventDefault();
      target.click();
      return;
    }
    const step = moveStep(event);
    if (step === 0 || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const next = nextStop(step, target, stopsOf);
    next?.focus();
    next?.scrollIntoView({ block: 'nearest' });
  });
}

function moveStep(event: KeyboardEvent): number {
  if ((event.key === 'j' && !event.altKey) || (event.altKey && event.key === 'ArrowDown')) return 1;
  if ((event.key === 'k' && !event.altKey) || (event.altKey && event.key === 'ArrowUp')) return -1;
  return 0;
}

function nextStop(
  step: number,
  from: HTMLElement | null,
  stopsOf: (section: HTMLElement) => HTMLInputElement[],
): HTMLInputElement | undefined {
  const sections = [...document.querySelectorAll<HTMLElement>('section.file-diff:not([hidden])')];
  if (sections.length === 0) return undefined;
  const current = from?.closest<HTMLElement>('section.file-diff');
  let sectionIndex = current ? sections.indexOf(current) : -1;
  if (sectionIndex === -1)
    return step > 0 ? stopsOf(sections[0] as HTMLElement)[0] : stopsOf(sections.at(-1) as HTMLElement).at(-1);
  const stops = stopsOf(sections[sectionIndex] as HTMLElement);
  const position = stops.indexOf(from as HTMLInputElement) + step;
  if (position >= 0 && position < stops.length) return stops[position];
  sectionIndex += step;
  const section = sections[sectionIndex];
  if (!section) return undefined;
  const nextStops = stopsOf(section);
  return step > 0 ? nextStops[0] : nextStops.at(-1);
}
