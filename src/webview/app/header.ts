import type { LastKeep, PageMessage, ReviewData } from '../protocol';
import { element, withIcon } from './dom';
import { cherryPickButton, commitMessage, landingPlan, landingRow } from './landing';
import { page, vscode } from './page';
import { keepButtonText, planKeep, totalsText } from './summary';

let lastStatus = { text: '', error: false };

/** Sends a request; the buttons stay disabled until its one reply. */
export function send(message: PageMessage & { requestId: number }): void {
  page.pending = message.requestId;
  updateButtons();
  setStatus('Working…', false);
  vscode.postMessage(message);
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

/** The header: what is reviewed, what the ticks keep (announced as they change), the actions. */
export function reviewHeader(review: ReviewData, relayout: () => void): HTMLElement {
  const header = element('header', { className: 'review-header' });
  const totals = element('p', { className: 'meta', id: 'totals', role: 'status' });
  header.append(
    element('h1', {}, review.title),
    ...(review.task ? [element('p', { className: 'task' }, review.task)] : []),
    targetLine(review),
    totals,
  );
  const actions = element('div', { className: 'actions' });
  const keepSelected = withIcon(element('button', { className: 'primary', id: 'keep-selected' }), 'check');
  keepSelected.append(element('span', { className: 'label' }, 'Keep Selected'));
  const keepAll = withIcon(element('button', { id: 'keep-all' }), 'check-all');
  keepAll.append(element('span', { className: 'label' }, 'Keep All'));
  const discard = withIcon(element('button', { className: 'danger', id: 'discard' }, 'Discard…'), 'trash');
  const toggle = element('button', { id: 'layout' }, page.layout === 'side-by-side' ? 'Inline view' : 'Side-by-side view');
  const capture = review.capture;
  // Keep and Commit: the message goes with the keep; a plain keep sends none.
  const commit = () => {
    const message = commitMessage(review.landing);
    return message === undefined ? {} : { commitMessage: message };
  };
  keepSelected.addEventListener('click', () =>
    send({ type: 'keep', requestId: page.nextRequestId++, capture, ...page.choices.keepRequest(review.files), ...commit() }),
  );
  keepAll.addEventListener('click', () => send({ type: 'keepAll', requestId: page.nextRequestId++, capture, ...commit() }));
  discard.addEventListener('click', () => send({ type: 'discard', requestId: page.nextRequestId++ }));
  toggle.addEventListener('click', () => {
    page.layout = page.layout === 'side-by-side' ? 'line-by-line' : 'side-by-side';
    vscode.postMessage({ type: 'setLayout', layout: page.layout });
    relayout();
  });
  actions.append(keepSelected, keepAll);
  const pick = cherryPickButton(review, () => send({ type: 'cherryPick', requestId: page.nextRequestId++, capture }));
  if (pick) actions.append(pick);
  actions.append(discard, toggle);
  if (review.lastKeep) actions.append(undoButton(review.lastKeep));
  // The last result stays visible across re-renders (a keep is followed by a fresh capture).
  const status = element('p', { className: 'status', id: 'status', role: 'status' }, lastStatus.text);
  status.classList.toggle('error', lastStatus.error);
  header.append(actions, landingRow(review, updateButtons), status);
  return header;
}

/** Undo Last Keep: names what it undoes; the host undoes its own record of this worktree's newest keep. */
function undoButton(last: LastKeep): HTMLButtonElement {
  const files = `${last.files} file${last.files === 1 ? '' : 's'}`;
  const button = withIcon(element('button', { id: 'undo-keep' }, 'Undo Last Keep'), 'discard');
  button.title = `Put back the ${files} the last keep wrote into ${last.target} (${new Date(last.at).toLocaleString()}), exactly as they were before it`;
  button.setAttribute('aria-label', `Undo Last Keep: ${files} into ${last.target}`);
  button.addEventListener('click', () => send({ type: 'undoKeep', requestId: page.nextRequestId++ }));
  return button;
}

/**
 * The buttons and totals follow the panel's state on every render, reply and tick: all disabled
 * while a request waits for its reply; Keep disabled when there is nothing (or nothing ticked) to
 * keep; Keep Selected says what it will keep.
 */
export function updateButtons(): void {
  const files = page.review?.files ?? [];
  const plan = planKeep(page.choices, files);
  const committing = commitMessage(page.review?.landing) !== undefined;
  const label = document.querySelector('#keep-selected .label');
  if (label) label.textContent = files.length > 0 ? keepButtonText(plan, committing) : 'Keep Selected';
  const allLabel = document.querySelector('#keep-all .label');
  if (allLabel) allLabel.textContent = committing ? 'Keep All and Commit' : 'Keep All';
  const landing = document.getElementById('landing-plan');
  if (landing && page.review && landing.textContent !== landingPlan(page.review)) landing.textContent = landingPlan(page.review);
  // Committing needs a message: the Keep buttons wait for one.
  const noMessage = committing && (commitMessage(page.review?.landing) ?? '').trim() === '';
  const totals = document.getElementById('totals');
  if (totals && totals.textContent !== totalsText(plan)) totals.textContent = totalsText(plan);
  for (const button of document.querySelectorAll<HTMLButtonElement>('.actions button')) {
    const keeps = button.id === 'keep-all' || button.id === 'keep-selected';
    button.disabled =
      page.pending !== undefined ||
      (keeps && (files.length === 0 || noMessage)) ||
      (button.id === 'keep-selected' && plan.files === 0);
  }
}

export function setStatus(text: string, error: boolean): void {
  lastStatus = { text, error };
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle('error', error);
}
