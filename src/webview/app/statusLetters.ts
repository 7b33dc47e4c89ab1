import type { ReviewFile } from '../protocol';

/** The letter Source Control shows for each kind of change (the review's file list, the comparison's grid). */
export const STATUS_LETTER: Record<ReviewFile['status'], string> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
  copied: 'C',
  'type-changed': 'T',
};
