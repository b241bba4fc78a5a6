// Where a download lands: -o as given, a directory plus the remote name, or the remote name here; never outside.
import { stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { FileSystemError, UsageError } from '../errors.js'

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i

/**
 * Pure: turns a name from the server (untrusted) into one safe file name: no path separators, no "." or
 * "..", no control characters, nothing Windows cannot hold, at most 255 UTF-8 bytes. Empty → fallback.
 */
export function sanitizeFileName(name: string, fallback = 'download'): string {
  let out = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .trim()
    // Windows drops trailing dots and spaces, which would make two names collide silently.
    .replace(/[. ]+$/, '')
  // Cut whole code points (never half a surrogate pair) to 255 UTF-8 bytes, then tidy the new end.
  const chars = [...out]
  while (Buffer.byteLength(chars.join('')) > 255) chars.pop()
  out = chars.join('').replace(/[. ]+$/, '')
  if (out === '' || /^\.+$/.test(out)) out = fallback
  if (WINDOWS_RESERVED.test(out)) out = `_${out}`
  return out
}

/** Pure: is `child` inside directory `parent` (or the directory itself)? */
export function isInside(parent: string, child: string): boolean {
  const p = resolve(parent)
  const c = resolve(child)
  return c === p || c.startsWith(p.endsWith(sep) ? p : p + sep)
}

/** Joins a sanitised server name to a directory, refusing anything that would land outside it. */
export function joinInside(dir: string, name: string): string {
  const full = resolve(dir, name)
  if (!isInside(dir, full) || full === resolve(dir)) throw new UsageError(`refusing to write ${JSON.stringify(name)} outside ${dir}`, { code: 'UNSAFE_NAME' })
  return full
}

/**
 * Resolves the final path. `lookupName` asks the server for the file's name and returns undefined when
 * that is refused for lack of permission (then the dentryId is the name).
 */
export async function resolveTargetPath(output: string | undefined, dentryId: string, lookupName: () => Promise<string | undefined>): Promise<{ path: string; usedFallbackName: boolean }> {
  const isDir = output !== undefined && (await stat(output).then((s) => s.isDirectory(), () => false))
  if (output !== undefined && !isDir) {
    if (output.endsWith('/') || output.endsWith(sep)) {
      throw new FileSystemError(output, `the output directory ${output} does not exist`, { code: 'FS_ENOENT', hint: 'create it first (mkdir -p), or pass another -o' })
    }
    const parent = dirname(resolve(output))
    const parentOk = await stat(parent).then((s) => s.isDirectory(), () => false)
    if (!parentOk) throw new FileSystemError(output, `the directory ${parent} does not exist`, { code: 'FS_ENOENT', hint: 'create it first (mkdir -p), or pass another -o' })
    return { path: resolve(output), usedFallbackName: false }
  }
  const dir = output ?? '.'
  const remote = await lookupName()
  const name = sanitizeFileName(remote ?? dentryId, sanitizeFileName(dentryId))
  return { path: joinInside(dir, name), usedFallbackName: remote === undefined }
}
