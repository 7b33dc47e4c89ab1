import { blobId } from '../git';
import { ownValue } from './ownValue';

// The before side's small files, concatenated into one blob of the keep record. Undo reads that one
// object instead of one per file: thousands of loose objects (a fresh repository's, or the user's
// own unstaged bytes a keep saved) took ~130 ms to read; the bundle, a few. The before/ tree keeps
// every file as its own blob too (git tools can read it; the bundle is only a faster copy).

export const BUNDLE_FILE = 'before.bundle';
/** Larger files are read as their own blobs: the bundle stays a copy of small files. */
const LARGEST_BUNDLED = 256 * 1024;
const BUNDLE_LIMIT = 32 * 1024 * 1024;

/** Where each bundled path's bytes are in the bundle: offset and length. */
export type BundleSlices = Record<string, readonly [offset: number, length: number]>;

/** The bundle of the small files among `files` (relative path → bytes), and where each is. */
export function bundleFiles(files: ReadonlyArray<readonly [string, Buffer]>): { bytes: Buffer; slices: BundleSlices } {
  const parts: Buffer[] = [];
  const slices: Array<[string, readonly [number, number]]> = [];
  let offset = 0;
  for (const [relative, bytes] of files) {
    if (bytes.length > LARGEST_BUNDLED || offset + bytes.length > BUNDLE_LIMIT) continue;
    parts.push(bytes);
    slices.push([relative, [offset, bytes.length]]);
    offset += bytes.length;
  }
  // fromEntries, not assignment: a path named `__proto__` is a key like any other.
  return { bytes: Buffer.concat(parts, offset), slices: Object.fromEntries(slices) };
}

/**
 * A path's bytes out of the bundle, only when they are exactly the blob `oid` (a bundle that does
 * not match is not trusted: the caller reads the blob instead).
 */
export function fromBundle(
  bundle: Buffer | undefined,
  slices: BundleSlices | undefined,
  relative: string,
  oid: string,
  format: 'sha1' | 'sha256',
): Buffer | undefined {
  const slice = slices ? ownValue(slices, relative) : undefined;
  if (!bundle || !Array.isArray(slice)) return undefined;
  const [offset, length] = slice as unknown[];
  if (typeof offset !== 'number' || typeof length !== 'number') return undefined;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || offset + length > bundle.length) {
    return undefined;
  }
  const bytes = bundle.subarray(offset, offset + length);
  return blobId(bytes, format) === oid ? bytes : undefined;
}
