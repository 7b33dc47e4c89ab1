import { element, withIcon } from '../app/dom';
import { STATUS_LETTER } from '../app/statusLetters';
import type {
  CheckState,
  CompareAttempt,
  CompareData,
  CompareFile,
  CompareHostMessage,
  ComparePageMessage,
  CompareState,
} from '../compareProtocol';

/**
 * The Compare Attempts page: one column per attempt (its agent, state, files, lines, commits, last
 * activity, check result, Review & Keep), then every file any attempt changed, one row each. All
 * text from the host is set through textContent; the page only ever sends the messages the host's
 * parser accepts.
 */
declare function acquireVsCodeApi(): {
  postMessage(message: ComparePageMessage): void;
  getState(): unknown;
  setState(state: CompareState): void;
};
const vscode = acquireVsCodeApi();
const root = document.getElementById('app') as HTMLElement;
let data: CompareData | undefined;
/** Which read of the attempts `data` is: the file grid is drawn again only for a new one. */
let version = -1;
let checks: readonly CheckState[] = [];
let checksRunning = false;
/** In a file row several attempts changed: the version picked first (its attempt's position). */
let picked: { path: string; attempt: number } | undefined;
let status: { message: string; error: boolean } | undefined;

window.addEventListener('message', (event: MessageEvent<CompareHostMessage>) => {
  const message = event.data;
  if (message?.type === 'comparison') {
    data = message.data;
    version = message.version;
    vscode.setState(message.state);
    render();
  } else if (message?.type === 'checks') {
    checks = message.checks;
    checksRunning = message.running;
    render();
  } else if (message?.type === 'status') {
    status = { message: message.message, error: message.error };
    render();
  } else if (message?.type === 'gone') {
    data = undefined;
    root.replaceChildren(element('p', { className: 'empty' }, message.message));
  }
});
vscode.postMessage({ type: 'ready' });

/** A click: what was said about the last one goes (its answer, if any, comes back as a new status). */
function send(message: ComparePageMessage): void {
  if (status) {
    status = undefined;
    render();
  }
  vscode.postMessage(message);
}

function nameAt(position: number): string {
  return data?.attempts[position]?.name ?? '';
}

/** The file grid is drawn again only for new data or a pick (it can have thousands of cells). */
let files: { version: number; picked: typeof picked; section: HTMLElement } | undefined;

function render(): void {
  if (!data) return;
  const scroll = window.scrollY;
  if (files?.version !== version || files.picked !== picked) files = { version, picked, section: filesSection(data) };
  root.replaceChildren(header(data), attemptsTable(data), files.section);
  window.scrollTo(0, scroll);
}

function header(compare: CompareData): HTMLElement {
  const run = withIcon(
    element('button', {
      className: 'primary',
      disabled: !compare.checkCommand || checksRunning,
      title: compare.checkCommand
        ? `Runs "${compare.checkCommand}" in every attempt's folder`
        : 'Set agentWorktrees.checkCommand first',
      onclick: () => send({ type: 'runChecks' }),
    }),
    'beaker',
  );
  run.append(compare.checkCommand ? `Run Check: ${compare.checkCommand}` : 'Run Check');
  const actions = element('div', { className: 'actions' }, undefined);
  actions.append(run);
  if (checksRunning) {
    actions.append(element('button', { onclick: () => send({ type: 'stopChecks' }) }, 'Stop'));
  }
  if (!compare.checkCommand) {
    actions.append(
      element('button', { className: 'link', onclick: () => send({ type: 'openSettings' }) }, 'Set a check command…'),
    );
  }
  const top = element('header', { className: 'compare-header' });
  top.append(
    element('h1', {}, compare.task ?? 'Attempts'),
    element(
      'p',
      { className: 'meta' },
      compare.attempts.length === 1
        ? `Only ${compare.attempts[0]?.name} is left of these attempts (from ${compare.base ?? 'one base'}).`
        : `${compare.attempts.length} attempts from ${compare.base ?? 'the same base'}`,
    ),
    actions,
  );
  if (status) top.append(element('p', { className: status.error ? 'status error' : 'status', role: 'status' }, status.message));
  return top;
}

/** One column per attempt; one row per fact, so the attempts line up fact by fact. */
function attemptsTable(compare: CompareData): HTMLElement {
  const table = element('table', { className: 'attempts' });
  const head = element('tr');
  head.append(element('th', { scope: 'col' }, ''));
  for (const attempt of compare.attempts) head.append(attemptHeading(attempt, true));
  table.append(element('thead'), element('tbody'));
  table.tHead?.append(head);
  const rows: Array<[string, (attempt: CompareAttempt, position: number) => Node | string]> = [
    ['Agent', (attempt) => attempt.agentCommand ?? '—'],
    ['Status', (attempt) => statusCell(attempt)],
    ['Files', (attempt) => (attempt.problem ? attempt.problem : String(attempt.files))],
    ['Lines', (attempt) => lines(attempt.additions, attempt.deletions)],
    ['Commits', (attempt) => (attempt.commits === undefined ? '—' : String(attempt.commits))],
    ['Last activity', (attempt) => attempt.lastActivity ?? '—'],
    ['Check', (_, position) => checkCell(position)],
    ['', (_, position) => attemptActions(position)],
  ];
  for (const [label, cell] of rows) {
    const row = element('tr');
    row.append(element('th', { scope: 'row' }, label));
    compare.attempts.forEach((attempt, position) => {
      const td = element('td');
      td.append(cell(attempt, position));
      row.append(td);
    });
    table.tBodies[0]?.append(row);
  }
  return scroller(table);
}

/**
 * A column's heading: `#2 · codex`, what tells attempts apart at a glance (their names share the
 * task's), with the worktree's name under it (in full in its tooltip) where there is room.
 */
function attemptHeading(attempt: CompareAttempt, withName: boolean): HTMLElement {
  const th = element('th', { scope: 'col', title: attempt.name });
  th.append(element('span', { className: 'attempt-number' }, `#${attempt.index}`));
  if (attempt.agentCommand) th.append(` · ${attempt.agentCommand}`);
  if (withName) th.append(element('div', { className: 'attempt-name meta' }, attempt.name));
  return th;
}

/** Wide tables scroll sideways inside the page, their first column (what each row is) staying put. */
function scroller(table: HTMLElement): HTMLElement {
  const box = element('div', { className: 'scroller' });
  box.append(table);
  return box;
}

function statusCell(attempt: CompareAttempt): Node | string {
  const state = attempt.status
    ? withIcon(element('span', { className: `state state-${attempt.status.word}` }, attempt.status.word), attempt.status.icon)
    : 'not running';
  if (attempt.keptInto.length === 0) return state;
  const box = element('div');
  box.append(state, withIcon(element('div', { className: 'kept' }, `kept into ${attempt.keptInto.join(', ')}`), 'check'));
  return box;
}

function lines(additions: number, deletions: number): Node {
  const span = element('span', { className: 'lines' });
  span.append(
    element('span', { className: 'added' }, `+${additions}`),
    ' ',
    element('span', { className: 'deleted' }, `−${deletions}`),
  );
  return span;
}

function checkCell(position: number): Node | string {
  const check = checks[position];
  if (!check || check.state === 'idle') return '—';
  if (check.state === 'queued') return 'queued';
  if (check.state === 'running') return withIcon(element('span', { className: 'running' }, 'running…'), 'loading');
  const passed = check.exitCode === 0 && !check.problem;
  const word = check.problem ?? (passed ? 'passed' : `failed · exit ${check.exitCode}`);
  const box = element('div', { className: 'check' });
  box.append(
    withIcon(element('span', { className: passed ? 'passed' : 'failed' }, word), passed ? 'pass' : 'error'),
    element('span', { className: 'meta' }, check.durationMs === undefined ? '' : ` ${(check.durationMs / 1000).toFixed(1)} s`),
  );
  if (check.tail) box.append(element('pre', { className: 'tail' }, check.tail));
  box.append(
    element(
      'button',
      {
        className: 'link',
        ariaLabel: `Show the check output of ${nameAt(position)}`,
        onclick: () => send({ type: 'showOutput', attempt: position, name: nameAt(position) }),
      },
      'Show Output',
    ),
  );
  return box;
}

function attemptActions(position: number): Node {
  const box = element('div', { className: 'attempt-actions' });
  const name = nameAt(position);
  box.append(
    element(
      'button',
      {
        className: 'primary',
        ariaLabel: `Review and keep ${name}`,
        onclick: () => send({ type: 'review', attempt: position, name }),
      },
      'Review & Keep…',
    ),
  );
  // With one attempt left there are no others to discard.
  if ((data?.attempts.length ?? 0) > 1) {
    box.append(
      element(
        'button',
        {
          ariaLabel: `Discard the other attempts, keeping ${name}`,
          title: `Removes the other attempts (to the trash); ${name} stays. Nothing is applied to your checkout.`,
          onclick: () => send({ type: 'discardOthers', attempt: position, name }),
        },
        'Discard the Others…',
      ),
    );
  }
  return box;
}

function filesSection(compare: CompareData): HTMLElement {
  const section = element('section', { className: 'files' });
  const shared = compare.files.filter((file) => file.shared).length;
  section.append(
    element('h2', {}, `${compare.files.length} files changed`),
    element(
      'p',
      { className: 'meta' },
      shared > 0
        ? `${shared} changed by several attempts (first, marked): click two versions of one to compare them, or one twice for its diff against the base. Click a file only one attempt changed for its diff against the base.`
        : 'Each file was changed by one attempt only: click one to see its diff against the base.',
    ),
  );
  const table = element('table', { className: 'file-grid' });
  const head = element('tr');
  head.append(element('th', { scope: 'col' }, 'File'));
  for (const attempt of compare.attempts) head.append(attemptHeading(attempt, false));
  table.append(element('thead'), element('tbody'));
  table.tHead?.append(head);
  for (const file of compare.files) table.tBodies[0]?.append(fileRow(file, compare));
  section.append(scroller(table));
  return section;
}

function fileRow(file: CompareFile, compare: CompareData): HTMLElement {
  const row = element('tr', { className: file.shared ? 'shared' : '' });
  const name = element('th', { scope: 'row', title: file.path });
  if (file.shared)
    name.append(withIcon(element('span', { className: 'shared-mark', title: 'Changed by several attempts' }), 'layers'));
  name.append(file.path);
  row.append(name);
  file.cells.forEach((cell, position) => {
    const td = element('td');
    if (cell) {
      const attempt = compare.attempts[position]?.name ?? '';
      const isPicked = picked?.path === file.path && picked.attempt === position;
      const button = element('button', {
        className: `cell status-${cell.status}${isPicked ? ' picked' : ''}`,
        ariaLabel: `${file.path} in ${attempt}: ${cell.status}${cell.binary ? ', binary' : `, ${cell.additions} lines added, ${cell.deletions} removed`}`,
        onclick: () => cellClicked(file, position),
      });
      if (file.shared) button.setAttribute('aria-pressed', String(isPicked));
      button.append(
        element('span', { className: 'letter' }, STATUS_LETTER[cell.status]),
        ' ',
        cell.binary ? 'binary' : lines(cell.additions, cell.deletions),
      );
      td.append(button);
    }
    row.append(td);
  });
  return row;
}

function cellClicked(file: CompareFile, position: number): void {
  if (!file.shared) {
    send({ type: 'openChange', attempt: position, path: file.path });
    return;
  }
  if (picked && picked.path === file.path && picked.attempt !== position) {
    send({ type: 'diffAttempts', left: picked.attempt, right: position, path: file.path });
    picked = undefined;
  } else if (picked?.path === file.path && picked.attempt === position) {
    // The picked version clicked again: that attempt's change against the base.
    send({ type: 'openChange', attempt: position, path: file.path });
    picked = undefined;
  } else {
    picked = { path: file.path, attempt: position };
  }
  render();
}
