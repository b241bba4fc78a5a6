// Creates a directory and its missing parents one level at a time, stopping at the first level that fails.
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/**
 * Like `mkdir -p`, without Node's `mkdir({ recursive: true })`: under /proc that one loops forever
 * (mkdir says ENOENT, the parent exists, so it tries again), at 100% CPU and deaf to signals. Here each
 * missing level is made once, and the first failure is thrown with `path` naming the level that failed.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = []
  for (let at = resolve(dir); ;) {
    const kind = await statKind(at)
    if (kind === 'directory') break
    if (kind === 'other') throw errnoError('ENOTDIR', at, 'is not a directory')
    const parent = dirname(at)
    // The root always exists; reaching it "missing" means the file system answers nonsense: stop.
    if (parent === at) throw errnoError('ENOENT', at, 'does not exist')
    missing.push(at)
    at = parent
  }
  for (const level of missing.reverse()) {
    try {
      await mkdir(level)
    } catch (err) {
      // Another process made it in between: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await statKind(level)) === 'directory') continue
      throw err
    }
  }
}

/** What is at a path: a directory, something else, or nothing (ENOENT). Other errors (ENOTDIR, EACCES) are thrown. */
async function statKind(path: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw err
  }
}

function errnoError(code: string, path: string, what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path} ${what}`), { code, path })
}
