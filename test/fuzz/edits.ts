import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, type Stats, statSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { workingFiles } from './scan';
import type { World } from './world';

/** What a user or an agent does to files by hand. */
export const EDIT_KINDS = [
  'modify',
  'add',
  'nested',
  'delete',
  'rename',
  'binary',
  'mode',
  'symlink',
  'file-to-folder',
  'folder-to-file',
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

/**
 * Applies one edit of `kind` in `root`, on the `choice`-th of its files (or of `candidates`), with
 * new tokens in the custody of `root`. `variant` decides where inside a file a change goes.
 */
export function applyEdit(
  world: World,
  root: string,
  kind: EditKind,
  choice: number,
  variant: number,
  candidates?: readonly string[],
): string {
  const files =
    candidates ?? [...workingFiles(root)].map(([relative]) => relative).filter((file) => !file.startsWith('.worktrees/'));
  const chosen = files.length > 0 ? files[choice % files.length] : undefined;
  const fresh = `f${world.created}-${variant}.txt`;
  if (!chosen || kind === 'add') {
    world.write(root, fresh, world.lines(root, 1 + (variant % 4)));
    return `add ${fresh}`;
  }
  const full = path.join(root, chosen);
  const found = lstatOrNothing(full);
  if (!found) {
    // A candidate from elsewhere (a file an agent added): the edit creates it here too.
    const written = world.write(root, chosen, world.lines(root, 2));
    return written ? `add ${chosen} (as elsewhere)` : `add ${chosen} (a file is in the way: nothing done)`;
  }
  if (found.isDirectory()) {
    // A candidate from elsewhere that is a folder here: add a file in it.
    world.write(root, `${chosen}/${fresh}`, world.lines(root, 2));
    return `add ${chosen}/${fresh}`;
  }
  const isLink = found.isSymbolicLink();
  switch (kind) {
    case 'modify': {
      if (isLink) {
        rmSync(full);
        symlinkSync(world.token(root), full);
        return `retarget link ${chosen}`;
      }
      const bytes = readFileSync(full);
      if (bytes.includes(0)) {
        world.write(root, chosen, Buffer.concat([bytes.subarray(0, 3), world.binary(root)]));
        return `modify binary ${chosen}`;
      }
      // Change one line near each end (two hunks on a long file), or append when it is short.
      const lines = bytes.toString('utf8').split('\n');
      const at = variant % Math.max(1, lines.length - 1);
      lines.splice(at, 1, world.token(root));
      if (variant % 3 === 0) lines.splice(Math.max(0, lines.length - 2), 0, world.token(root));
      world.write(root, chosen, lines.join('\n'));
      return `modify ${chosen} at ${at}`;
    }
    case 'nested': {
      const nested = `n${variant % 3}/deeper/${fresh}`;
      world.write(root, nested, world.lines(root, 2));
      return `add ${nested}`;
    }
    case 'delete':
      rmSync(full);
      return `delete ${chosen}`;
    case 'rename': {
      const moved = variant % 2 === 0 ? `${chosen}.moved` : `moved/${path.basename(chosen)}-${variant}`;
      if (existsSync(path.join(root, moved))) return `rename ${chosen} (target exists: nothing done)`;
      if (!world.makeFolder(path.dirname(path.join(root, moved)))) return `rename ${chosen} (a file is in the way: nothing done)`;
      renameSync(full, path.join(root, moved));
      return `rename ${chosen} → ${moved}`;
    }
    case 'binary':
      world.write(root, `${fresh}.bin`, world.binary(root));
      return `add binary ${fresh}.bin`;
    case 'mode': {
      if (isLink) return `chmod ${chosen} (a symlink: nothing done)`;
      chmodSync(full, statSync(full).mode & 0o111 ? 0o644 : 0o755);
      return `chmod ${chosen}`;
    }
    case 'symlink':
      rmSync(path.join(root, `link-${fresh}`), { force: true, recursive: true }); // the same step twice: replaced
      symlinkSync(world.token(root), path.join(root, `link-${fresh}`));
      return `symlink link-${fresh}`;
    case 'file-to-folder':
      rmSync(full);
      world.write(root, `${chosen}/inside.txt`, world.lines(root, 2));
      return `replace ${chosen} with a folder`;
    case 'folder-to-file': {
      const folder = path.dirname(chosen);
      if (folder === '.') return `replace folder of ${chosen} (top level: nothing done)`;
      rmSync(path.join(root, folder), { recursive: true });
      world.write(root, folder, world.lines(root, 2));
      return `replace folder ${folder} with a file`;
    }
  }
}

/** lstat, or undefined when there is nothing there (or a file where a folder should be). */
function lstatOrNothing(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
