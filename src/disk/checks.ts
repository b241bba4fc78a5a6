// Local checks before any request: a download that cannot land where it is asked to costs no API call.
import { access, constants, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { FileSystemError, toFileSystemError } from '../errors.js'

const statOrUndefined = (path: string) => stat(path).catch(() => undefined)

/**
 * A directory dtdl writes into must exist, be a directory, and let this process create files (write and
 * search permission, a file system not mounted read-only). `access` is what the kernel would decide for an
 * open() now; root passes permission bits, but not a read-only mount.
 */
export async function checkWritableDir(dir: string): Promise<void> {
  const s = await statOrUndefined(dir)
  if (!s)
    throw new FileSystemError(dir, `the directory ${dir} does not exist`, {
      code: 'FS_ENOENT',
      hint: 'create it first (mkdir -p), or add --create-dirs',
    })
  if (!s.isDirectory())
    throw new FileSystemError(dir, `${dir} is not a directory`, {
      code: 'FS_ENOTDIR',
      hint: 'pass a directory, or another -o',
    })
  try {
    await access(dir, constants.W_OK | constants.X_OK)
  } catch (err) {
    throw toFileSystemError(err, dir, 'write into the directory')
  }
}

/**
 * A directory that will be created as needed (`mkdir -p`): it, or else its nearest existing ancestor, must be a
 * writable directory.
 */
export async function checkCreatableDir(dir: string): Promise<void> {
  let at = resolve(dir)
  for (;;) {
    const s = await statOrUndefined(at)
    if (s) {
      if (!s.isDirectory()) {
        throw new FileSystemError(
          at,
          at === resolve(dir)
            ? `${at} exists and is not a directory`
            : `cannot create ${resolve(dir)}: ${at} is not a directory`,
          {
            code: 'FS_ENOTDIR',
            hint: 'pass another -o',
          },
        )
      }
      return checkWritableDir(at)
    }
    const parent = dirname(at)
    if (parent === at) return checkWritableDir(at)
    at = parent
  }
}

/**
 * A file target: its directory must be writable, and the path itself, if it exists, a regular file (it is replaced by
 * rename).
 */
export async function checkFileTarget(path: string): Promise<void> {
  await checkNotADirectory(path)
  await checkWritableDir(dirname(resolve(path)))
}

/** The path, if it exists, is a regular file: the download replaces it by rename. */
export async function checkNotADirectory(path: string): Promise<void> {
  const s = await statOrUndefined(path)
  if (s && !s.isFile())
    throw new FileSystemError(path, `${path} exists and is not a file`, { code: 'FS_EEXIST', hint: 'pass another -o' })
}
