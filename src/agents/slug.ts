import { randomBytes } from 'node:crypto';

/**
 * Names for agent worktrees. A slug becomes both a folder name and part of a branch name, so it is
 * held to the strictest of both: lower-case ASCII letters, digits, `.`, `_`, `-`, starting with a
 * letter or digit, at most 64 characters, no `..`, not ending in `.lock`.
 */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Why a slug is not acceptable, or undefined when it is. */
export function slugProblem(slug: string): string | undefined {
  if (slug.length === 0) return 'The name is empty.';
  if (slug.length > 64) return `The name is ${slug.length} characters long; at most 64 are allowed.`;
  if (!SLUG_PATTERN.test(slug)) {
    return 'Use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit.';
  }
  if (slug.includes('..')) return 'The name must not contain "..".';
  if (slug.endsWith('.lock')) return 'The name must not end in ".lock".';
  if (/[._-]$/.test(slug)) return 'The name must end with a letter or digit.';
  return undefined;
}

/**
 * A slug from free text (an agent's task): accents dropped, everything else that is not allowed
 * becomes `-`, trimmed to 48 characters at a word boundary. Empty when nothing usable is left.
 */
export function slugify(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let slug = ascii
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[._-]+/, '');
  if (slug.length > 48) {
    const cut = slug.slice(0, 48);
    const boundary = cut.lastIndexOf('-');
    slug = boundary >= 16 ? cut.slice(0, boundary) : cut;
  }
  slug = slug.replace(/[._-]+$/, '');
  if (slug.endsWith('.lock')) slug = slug.slice(0, -'.lock'.length).replace(/[._-]+$/, '');
  return slug;
}

const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'deft',
  'eager',
  'fleet',
  'keen',
  'lucid',
  'nimble',
  'quiet',
  'rapid',
  'steady',
  'swift',
  'tidy',
  'vivid',
  'wise',
];
const NOUNS = [
  'badger',
  'crane',
  'falcon',
  'heron',
  'lynx',
  'marten',
  'otter',
  'owl',
  'panda',
  'raven',
  'robin',
  'seal',
  'swan',
  'tern',
  'wren',
  'yak',
];

/** `<word>-<word>-<4 hex>`, from crypto randomness, for a worktree created without a name or task. */
export function generateSlug(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(4);
  const adjective = ADJECTIVES[(bytes[0] ?? 0) % ADJECTIVES.length];
  const noun = NOUNS[(bytes[1] ?? 0) % NOUNS.length];
  return `${adjective}-${noun}-${bytes.subarray(2, 4).toString('hex')}`;
}
