// The library's calls: download, mirrorFolder, downloadList, getFileInfo, listFolder. Each checks its options against
// the one declaration (as the CLI does, with the same errors in the library's names), then hands them to its task.
import { runGet, type GetResult } from '../tasks/get.js'
import { runBatchGet, type BatchGetResult } from '../tasks/get-batch.js'
import { runInfo, type FileInfo } from '../tasks/info.js'
import { runLs, type LsResult } from '../tasks/ls.js'
import type { BatchEvent } from '../batch/results.js'
import type { BatchGetOptions } from '../batch/batch-options.js'
import { UsageError } from '../errors.js'
import { parseDentryLink, type DentryRef } from '../dingtalk/dentry-ref.js'
import { refOf } from '../dingtalk/connect.js'
import { resolveOptions } from '../config/option-values.js'
import { checkBatch, checkOneFile } from '../config/option-rules.js'
import { toLibraryError, withContext } from './context.js'
import type {
  BatchOptions,
  ConnectionOptions,
  DownloadOptions,
  LibraryEvent,
  ListOptions,
  MirrorOptions,
} from './types.js'

/**
 * Downloads one file, resumably and verified; resolves when it is complete at `result.path`.
 *
 * @example
 * ```ts
 * import { download } from 'dtdl'
 * const result = await download({ spaceId: '123456', dentryId: '7890123', unionId: 'abc', output: 'backups/', appKey,
 * appSecret }) console.log(result.path, result.bytes, result.checked) // '/home/me/backups/db.tar' 1048576 ['size',
 * 'crc64'] console.log(result.apiCalls.total, result.storageRequests) // 3 1 (token, dentry, download info; one GET)
 * ```
 * @throws {DtdlError} with `code` and `exitCode` (the CLI's exit codes); 130 when `signal` aborted it.
 */
export async function download(options: DownloadOptions): Promise<GetResult> {
  const values = checked(() => {
    if (options.output === '-')
      throw new UsageError('the library writes files: give output a path', { code: 'BAD_OPTION' })
    const resolved = resolveOptions('get', options, 'library')
    // The rules between options look at what the caller gave, not at the defaults filled in.
    checkOneFile(options, 'library')
    return { ...resolved, ref: toRef(options) }
  })
  return withContext(options, (ctx) => runGet(values, ctx))
}

/**
 * Mirrors a folder's tree into a directory: every file through the same resumable, verified engine; files
 * already there and identical are skipped. Per-file failures are in `result.files`, not thrown.
 *
 * @example
 * ```ts
 * import { mirrorFolder } from 'dtdl'
 * const r = await mirrorFolder({ spaceId: '123456', dentryId: '4455', output: 'mirror/', exclude: ['*.tmp'] })
 * if (!r.ok) process.exitCode = r.exitCode // r.files lists what failed and why
 * ```
 */
export async function mirrorFolder(options: MirrorOptions): Promise<BatchGetResult> {
  return runBatch(options, 'folder', { kind: 'folder', spaceId: options.spaceId, dentryId: options.dentryId })
}

/**
 * Downloads a list of files as one batch (`dtdl get -i`). Per-file failures are in `result.files`.
 *
 * @example
 * ```ts
 * import { downloadList } from 'dtdl'
 * const r = await downloadList({ files: [{ spaceId: '1', dentryId: '2' }, { spaceId: '1', dentryId: '3', output:
 * 'b.pdf' }], output: 'downloads/' }) console.log(r.summary) // { downloaded: 2, skipped: 0, failed: 0, bytes: ...,
 * durationMs: ... }
 * ```
 */
export async function downloadList(options: ListOptions): Promise<BatchGetResult> {
  const text = checked(() =>
    typeof options.files === 'string' ? options.files : options.files.map(toInputLine).join('\n'),
  )
  return runBatch(options, 'list', { kind: 'text', text })
}

/**
 * A file's metadata and its download info (signed URLs and headers masked unless `showSecrets`).
 *
 * @example
 * ```ts
 * import { getFileInfo } from 'dtdl'
 * const info = await getFileInfo({ spaceId: '123456', dentryId: '7890123' })
 * console.log(info.name, info.size, info.download?.region)
 * ```
 */
export async function getFileInfo(
  options: ConnectionOptions & {
    spaceId: string
    dentryId: string
    version?: number
    preferIntranet?: boolean
    showSecrets?: boolean
    onEvent?: (event: LibraryEvent) => void
  },
): Promise<FileInfo> {
  const values = checked(() => resolveOptions('info', options, 'library'))
  return withContext(options, (ctx) => runInfo(values, ctx))
}

/**
 * A folder's entries (the space root when `folderId` is omitted), or its whole tree with `recursive`.
 *
 * @example
 * ```ts
 * import { listFolder } from 'dtdl'
 * const { entries, apiCalls } = await listFolder({ spaceId: '123456', folderId: '4455', recursive: true })
 * for (const e of entries) console.log(e.type, e.path, e.size)
 * console.log(apiCalls.list) // list pages fetched
 * ```
 */
export async function listFolder(
  options: ConnectionOptions & {
    spaceId: string
    folderId?: string
    recursive?: boolean
    onEvent?: (event: LibraryEvent) => void
  },
): Promise<LsResult> {
  const values = checked(() => resolveOptions('ls', options, 'library'))
  return withContext(options, (ctx) => runLs({ ...values, recursive: Boolean(values.recursive) }, ctx))
}

/** Runs the checks of a call before anything else: a bad option costs no request and leaves nothing on disk. */
function checked<T>(check: () => T): T {
  try {
    return check()
  } catch (err) {
    throw toLibraryError(err)
  }
}

function toInputLine(file: { spaceId: string; dentryId: string; output?: string; sha256?: string }): string {
  if (/[\s]/.test(file.spaceId + file.dentryId + (file.sha256 ?? '')) || /[\r\n]/.test(file.output ?? '')) {
    throw new UsageError('a file of the list has whitespace in its ids or SHA-256, or a line break in its output', {
      code: 'BAD_OPTION',
    })
  }
  const line = [file.spaceId, file.dentryId, ...(file.output !== undefined ? [JSON.stringify(file.output)] : [])].join(
    ' ',
  )
  // The input file's own per-entry option line: a bad hash fails that file, as in `dtdl get -i`.
  return file.sha256 === undefined ? line : `${line}\n  sha256=${file.sha256}`
}

async function runBatch(
  options: BatchOptions & { output?: string | undefined },
  kind: 'folder' | 'list',
  source: BatchGetOptions['source'],
): Promise<BatchGetResult> {
  const values = checked(() => {
    const resolved = resolveOptions('get', options, 'library')
    checkBatch(options, 'library', kind)
    return resolved
  })
  return withContext(options, (ctx) =>
    runBatchGet(
      { ...values, source, dryRun: false },
      {
        ...ctx,
        reporter: { ...ctx.reporter, finish: () => {} },
        readStdin: () =>
          Promise.reject(new UsageError('the library reads no stdin: pass the list as files', { code: 'BAD_OPTION' })),
        openProgress: async () => ({
          note: ctx.reporter.note,
          event: (e: BatchEvent) => options.onEvent?.(e),
          finish: () => {},
        }),
      },
    ),
  )
}

/** The file a library call names: a link or dentryUuid, or the two ids (a usage error when neither is complete). */
function toRef(options: {
  spaceId?: string | undefined
  dentryId?: string | undefined
  link?: string | undefined
}): DentryRef {
  if (options.link !== undefined) {
    const dentryUuid = parseDentryLink(options.link)
    if (dentryUuid === undefined)
      throw new UsageError(`not a DingTalk link or dentryUuid: ${JSON.stringify(options.link)}`, {
        code: 'BAD_LINK',
        hint: 'give the address of the file from the browser bar, or spaceId + dentryId',
      })
    return { kind: 'uuid', dentryUuid }
  }
  return refOf(options)
}
