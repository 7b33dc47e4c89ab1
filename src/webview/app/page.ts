import type { DiffLayout, PageMessage, PageState, ReviewData } from '../protocol';
import { PageSelection } from './selection';

declare function acquireVsCodeApi(): {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: PageState): void;
};

/** The one handle on the host; `acquireVsCodeApi` may be called once per page. */
export const vscode = acquireVsCodeApi();

/** What the page's modules share: the review shown, the layout, the ticks, the request in flight. */
export const page = {
  review: undefined as ReviewData | undefined,
  layout: 'side-by-side' as DiffLayout,
  choices: new PageSelection(),
  /** The request waiting for its reply: the action buttons stay disabled until it comes. */
  pending: undefined as number | undefined,
  nextRequestId: 1,
  /** Files marked viewed (path → the diff's `viewKey` then), as the host remembers them. */
  viewed: {} as Readonly<Record<string, string>>,
  /** "Show only unviewed": a view of this page only. */
  onlyUnviewed: false,
};

/** Viewed while its diff is the one that was viewed: a new change by the agent clears the mark. */
export function isViewed(file: Pick<ReviewData['files'][number], 'path' | 'viewKey'>): boolean {
  return Object.hasOwn(page.viewed, file.path) && page.viewed[file.path] === file.viewKey;
}
