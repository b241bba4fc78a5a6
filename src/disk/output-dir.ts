// The one rule for directories dtdl writes into: they must exist, unless --create-dirs says to make them.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { makeDirectory } from './make-dir.js'
import { toFileSystemError } from '../errors.js'
import { checkCreatableDir, checkWritableDir } from './checks.js'

/** --create-dirs, and whether this is a --dry-run (which checks a directory could be made, but makes none). */
export interface DirPolicy {
  createDirs?: boolean | undefined
  dryRun?: boolean | undefined
}

/**
 * Makes sure `dir` is a writable directory. Missing: with --create-dirs it is made (with its parents; under
 * --dry-run only checked: 'pretend'), else the same FS_ENOENT error for every path (-o, -o dir/, an -i
 * line, -i -o, the parent of -r's -o).
 */
export async function prepareDirectory(dir: string, policy: DirPolicy = {}): Promise<'ready' | 'pretend'> {
  const abs = resolve(dir)
  const exists = await stat(abs).then(
    () => true,
    () => false,
  )
  if (!exists && policy.createDirs) {
    if (policy.dryRun) {
      await checkCreatableDir(abs)
      return 'pretend'
    }
    try {
      await makeDirectory(abs)
    } catch (err) {
      throw toFileSystemError(err, (err as { path?: string }).path ?? abs, 'create the directory')
    }
  }
  await checkWritableDir(abs)
  return 'ready'
}
