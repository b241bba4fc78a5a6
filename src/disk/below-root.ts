// Work below a mirror's root, never through a symbolic link: checking a path, making its folders level by level,
// and removing what dtdl placed there (a file still as it was placed, an empty folder). Part of the disk module.
import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FileSystemError, UsageError, toFileSystemError } from '../errors.js'
import { errno, identityOf, lstatOrUndefined, type FileIdentity } from './files.js'

/** Pure: the path components of `relPath` below `root`, each as a full path (the last one is relPath itself). */
function chain(root: string, relPath: string): string[] {
  const parts = relPath.split(/[\\/]/).filter((p) => p !== '' && p !== '.')
  if (parts.includes('..'))
    throw new UsageError(`refusing ${relPath}: it climbs out of ${root}`, { code: 'UNSAFE_PATH' })
  return parts.map((_, i) => join(resolve(root), ...parts.slice(0, i + 1)))
}

/**
 * Checks that no component of `relPath` below `root` is a symbolic link (lstat each one), so nothing done
 * at that path can reach outside `root`. Missing components are fine: nothing is there to follow.
 */
export async function checkNoLinkBelow(root: string, relPath: string): Promise<void> {
  for (const at of chain(root, relPath)) {
    const s = await lstatOrUndefined(at)
    if (s === undefined) return
    if (s.isSymbolicLink())
      throw new UsageError(`refusing ${relPath}: ${at} is a symbolic link`, {
        code: 'UNSAFE_PATH',
        hint: `dtdl never goes through a link below ${root}`,
      })
  }
}

/**
 * Removes a file dtdl placed, if it is still that file (`matches` its record) and no component of its path
 * below `root` is a link. Says what it found: 'removed', 'gone', or 'changed' (left alone).
 */
export async function removePlacedFile(
  root: string,
  relPath: string,
  matches: (s: FileIdentity) => boolean,
): Promise<'removed' | 'gone' | 'changed'> {
  await checkNoLinkBelow(root, relPath)
  const full = join(resolve(root), relPath)
  const s = await lstatOrUndefined(full)
  if (s === undefined) return 'gone'
  if (!s.isFile() || !matches(identityOf(s))) return 'changed'
  await unlink(full)
  return 'removed'
}

/** Removes an empty folder dtdl created below `root` (never through a link); false when it is not empty. */
export async function removeEmptyFolder(root: string, relPath: string): Promise<boolean> {
  await checkNoLinkBelow(root, relPath)
  return rmdir(join(resolve(root), relPath)).then(
    () => true,
    (err: unknown) => errno(err) === 'ENOENT',
  )
}

/**
 * Makes `relPath` below `root` level by level (root must exist); returns the levels it created, relative
 * with '/'. A level that is a link or a file is refused: nothing is made through it. `known` holds levels
 * already made or checked this run (relative paths), which are not looked at again; it is added to.
 */
export async function makeFolders(root: string, relPath: string, known: Set<string> = new Set()): Promise<string[]> {
  const created: string[] = []
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.')
  for (const [i, at] of chain(root, relPath).entries()) {
    const level = parts.slice(0, i + 1).join('/')
    if (known.has(level)) continue
    try {
      await mkdir(at)
      created.push(level)
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw toFileSystemError(err, at, 'create the directory')
      const s = await lstat(at)
      if (s.isSymbolicLink())
        throw new UsageError(`refusing to write into ${relPath}: ${at} is a symbolic link`, {
          code: 'UNSAFE_PATH',
          hint: `dtdl never goes through a link below ${root}`,
        })
      if (!s.isDirectory())
        throw new FileSystemError(at, `cannot create ${relPath}: ${at} is not a directory`, {
          code: 'FS_ENOTDIR',
          hint: 'move the file away',
        })
    }
    known.add(level)
  }
  return created
}
