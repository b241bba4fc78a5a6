// Where a download lands: -o as given, a directory plus the remote name, or the remote name here; never outside.
import { stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { FileSystemError, UsageError } from '../errors.js'
import { checkFileTarget, checkWritableDir } from './checks.js'
import { prepareDirectory, type DirPolicy } from './output-dir.js'

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i

/** What ext4, XFS, btrfs, APFS and NTFS hold per name: 255 bytes (UTF-8). */
export const MAX_NAME_BYTES = 255
/**
 * Server names are cut to this: 15 bytes under the limit, so a collision counter such as " (12)" fits
 * without cutting the name again (80 Chinese characters are 240 bytes).
 */
export const NAME_BUDGET_BYTES = 240

/** An extension worth keeping when a name is cut: one or two short alphanumeric parts (".pdf", ".tar.gz"). */
const EXTENSION = /(?:\.[A-Za-z0-9]{1,10}){1,2}$/

/**
 * Pure: cuts `name` to at most `maxBytes` UTF-8 bytes, whole code points only (never half a surrogate
 * pair or of a multi-byte character), keeping its extension: "报…报.pdf" → "报…(fewer)报.pdf".
 */
export function fitName(name: string, maxBytes = NAME_BUDGET_BYTES): string {
  if (Buffer.byteLength(name) <= maxBytes) return name
  const match = EXTENSION.exec(name)
  // An extension that is the whole name (".tar.gz") or would leave no room for a stem is not one.
  const ext = match && match.index > 0 && Buffer.byteLength(match[0]) <= maxBytes / 2 ? match[0] : ''
  const stem = [...name.slice(0, name.length - ext.length)]
  let bytes = Buffer.byteLength(stem.join('')) + Buffer.byteLength(ext)
  while (bytes > maxBytes && stem.length > 0) bytes -= Buffer.byteLength(stem.pop()!)
  return stem.join('') + ext
}

/**
 * Pure: turns a name from the server (untrusted) into one safe file name: no path separators, no "." or
 * "..", no control characters, nothing Windows cannot hold, at most NAME_BUDGET_BYTES UTF-8 bytes with
 * its extension kept. Empty → fallback.
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
  // Cut before names are compared for collisions, so two long names that differ only at the end still
  // get " (2)" instead of one overwriting the other; then tidy the new end.
  out = fitName(out).replace(/[. ]+$/, '')
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
  if (!isInside(dir, full) || full === resolve(dir))
    throw new UsageError(`refusing to write ${JSON.stringify(name)} outside ${dir}`, { code: 'UNSAFE_NAME' })
  return full
}

/** Pure: the first part of a path (a file or directory name) longer than MAX_NAME_BYTES, or undefined. */
export function overlongPart(path: string): string | undefined {
  return path.split(sep === '\\' ? /[\\/]/ : '/').find((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)
}

/** An -o the file system cannot hold: said before any request, never found out at the final rename. */
function nameTooLongError(output: string, part: string): FileSystemError {
  const shown = [...part].length > 40 ? `${[...part].slice(0, 40).join('')}…` : part
  return new FileSystemError(
    output,
    `the name ${JSON.stringify(shown)} in -o is ${Buffer.byteLength(part)} bytes; file systems hold at most ${MAX_NAME_BYTES} bytes per name`,
    {
      code: 'FS_ENAMETOOLONG',
      hint: "pass a shorter -o, or a directory: the server's name is shortened to fit",
    },
  )
}

/**
 * Resolves the final path. `lookupName` asks the server for the file's name and returns undefined when
 * that is refused for lack of permission (then the dentryId is the name).
 */
export async function resolveTargetPath(
  output: string | undefined,
  dentryId: string,
  lookupName: () => Promise<string | undefined>,
  dirs: DirPolicy = {},
): Promise<{ path: string; usedFallbackName: boolean }> {
  const place = await checkOutput(output, dirs)
  if (place.kind === 'file') return { path: place.path, usedFallbackName: false }
  const remote = await lookupName()
  const name = sanitizeFileName(remote ?? dentryId, sanitizeFileName(dentryId))
  const path = joinInside(place.dir, name)
  // Known only now that the name is: a directory of that name would fail the download after its API calls.
  if (!place.pretend) await checkFileTarget(path)
  return { path, usedFallbackName: remote === undefined }
}

/**
 * Where -o points, checked before any request (see checks.ts): a file whose directory is writable,
 * or an existing writable directory to save into under the remote name (the current one without -o).
 */
export async function checkOutput(
  output: string | undefined,
  dirs: DirPolicy = {},
): Promise<{ kind: 'file'; path: string } | { kind: 'dir'; dir: string; pretend?: boolean }> {
  const overlong = output === undefined ? undefined : overlongPart(output)
  if (output !== undefined && overlong !== undefined) throw nameTooLongError(output, overlong)
  const isDir =
    output !== undefined &&
    (await stat(output).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  if (output !== undefined && !isDir) {
    // "-o dir/" names a directory, "-o dir/file" one to save in: made by --create-dirs, else they must exist.
    if (output.endsWith('/') || output.endsWith(sep))
      return { kind: 'dir', dir: output, pretend: (await prepareDirectory(output, dirs)) === 'pretend' }
    if ((await prepareDirectory(dirname(resolve(output)), dirs)) === 'ready') await checkFileTarget(output)
    return { kind: 'file', path: resolve(output) }
  }
  const dir = output ?? '.'
  await checkWritableDir(dir)
  return { kind: 'dir', dir }
}

/**
 * The file `output` names without asking the server (so without an API call), or undefined when the name
 * must come from the server: no -o, `-`, an existing directory, or a path ending in a separator.
 */
export async function namedTarget(output: string | undefined): Promise<string | undefined> {
  if (output === undefined || output === '-' || output.endsWith('/') || output.endsWith(sep)) return undefined
  const isDir = await stat(output).then(
    (s) => s.isDirectory(),
    () => false,
  )
  return isDir ? undefined : resolve(output)
}
