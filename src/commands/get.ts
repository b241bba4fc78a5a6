// `dtdl get`: one file, a folder with -r, or a list with -i; its options, help, and what it prints.
import { UsageError } from '../errors.js'
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import {
  print,
  printText,
  progressModeFor,
  readStdin,
  requestsJson,
  runWithShell,
  sayEndLine,
  type Command,
  type OutputFlags,
} from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'
import { resolveOptions } from '../config/option-values.js'
import { checkBatch, checkOneFile } from '../config/option-rules.js'
import type { GetOptions } from '../tasks/get.js'
import type { BatchGetOptions } from '../batch/batch-options.js'

export function declareGet(program: Command): void {
  addDeclaredOptions(
    program
      .command('get')
      .description('download one file; a whole folder with -r; a list of files with -i')
      .usage(
        '[options] <spaceId> <dentryId>\n       dtdl get [options] <link-or-dentryUuid>\n       dtdl get [options] -i <file>',
      )
      // Optional here only so -i and links can go without them; the action insists otherwise.
      .argument('[spaceId]', 'the storage space id, or a link (https://alidocs.dingtalk.com/i/nodes/...) or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id; with -r a folder id ("0" = the space root)'),
    'get',
  ).action((spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>) => {
    const values = declaredValues('get', o)
    return values.recursive || values.inputFile !== undefined
      ? runBatchGetCommand(spaceId, dentryId, values)
      : runSingleGet(spaceId, dentryId, values)
  })
}

/**
 * `get` of one file: checks the options (the declaration's rules), then runs the download with the shell's progress,
 * signals and exit code.
 */
async function runSingleGet(
  spaceId: string | undefined,
  dentryId: string | undefined,
  values: Record<string, unknown>,
): Promise<void> {
  const flags = values as OutputFlags
  checkOneFile(values, 'cli')
  if (spaceId === undefined) {
    throw new UsageError('missing <spaceId> <dentryId>', {
      code: 'MISSING_ARGUMENT',
      hint: 'dtdl get <spaceId> <dentryId>, dtdl get <link>, or dtdl get -i <file>',
    })
  }
  const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
  if (values.output === '-' && flags.json) {
    throw new UsageError('--json and -o - both want stdout', {
      code: 'BAD_OPTION',
      hint: 'drop --json, or save to a file with -o <path>',
    })
  }
  const options = resolveOptions('get', values, 'cli') as GetOptions
  const { runGet } = await import('../tasks/get.js')
  const { describeGetResult } = await import('../output/end-lines.js')
  await runWithShell(
    flags,
    (ctx) =>
      runGet(
        { ...options, ref, reportVersion: Boolean(flags.json) },
        { env: process.env, stdout: process.stdout, ...ctx },
      ),
    (result) => printGetResult(result as import('../tasks/get.js').GetResult, flags, describeGetResult),
    // -o - keeps nothing: the bytes went down the pipe.
    (kept) => ({
      kept: kept && values.output === '-' ? { ...kept, streamed: true } : kept,
      json: kept ? { keptBytes: kept.bytes, size: kept.size } : {},
    }),
  )
}

/** The end of a one-file `get`: the --json object on stdout, and one line for people on stderr. */
function printGetResult(
  r: import('../tasks/get.js').GetResult,
  flags: OutputFlags,
  describe: typeof import('../output/end-lines.js').describeGetResult,
): void {
  if (flags.json) {
    print(
      JSON.stringify({
        ok: true,
        path: r.path,
        bytes: r.bytes,
        upToDate: r.upToDate,
        version: r.version,
        crc64: r.crc64,
        checked: r.checked,
        durationMs: r.durationMs,
        bytesPerSecond:
          r.durationMs > 0 && !r.upToDate ? Math.round(((r.bytes - r.resumedBytes) * 1000) / r.durationMs) : 0,
        resumedBytes: r.resumedBytes,
        retries: r.retries,
        urlRefreshes: r.urlRefreshes,
        connections: r.connections,
        peakConnections: r.peakConnections,
        ...(r.replaced ? { replaced: true } : {}),
        ...(r.existing ? { existing: true } : {}),
        ...requestsJson(r),
      }),
    )
  }
  sayEndLine(flags, r.existing ? `exists, left alone (--skip-existing): ${r.path}` : describe(r), r)
}

/** The flags of `get -r` / `get -i` that do not fit together, or not a batch: each a usage error before any request. */
function checkBatchFlags(spaceId: string | undefined, dentryId: string | undefined, values: Record<string, unknown>) {
  const inputFile = values.inputFile as string | undefined
  if (values.recursive && inputFile !== undefined)
    throw new UsageError('-r and -i do not go together', {
      code: 'BAD_OPTION',
      hint: 'list folders with -r one at a time',
    })
  if (inputFile !== undefined && spaceId !== undefined)
    throw new UsageError('-i takes the ids from the file: give no <spaceId> <dentryId>', { code: 'BAD_OPTION' })
  if (values.recursive && spaceId === undefined)
    throw new UsageError('missing <spaceId> <folderDentryId>', {
      code: 'MISSING_ARGUMENT',
      hint: 'dtdl get <spaceId> <folderDentryId> -r, or dtdl get <link> -r',
    })
  const folder = values.recursive
    ? parseFileArgs(spaceId, dentryId, '<spaceId> <folderDentryId>, or a link')
    : undefined
  checkBatch(values, 'cli', folder !== undefined ? 'folder' : 'list')
  return { inputFile, folder }
}

/**
 * `get -r` and `get -i`: checks the flags that do not fit a batch, then runs it with a batch's progress and exit code.
 */
async function runBatchGetCommand(
  spaceId: string | undefined,
  dentryId: string | undefined,
  values: Record<string, unknown>,
): Promise<void> {
  const flags = values as OutputFlags
  const { inputFile, folder } = checkBatchFlags(spaceId, dentryId, values)
  const { globToRegExp } = await import('../batch/mirror-plan.js')
  // A bad pattern is a usage error before any request.
  for (const pattern of [
    ...((values.include as string[] | undefined) ?? []),
    ...((values.exclude as string[] | undefined) ?? []),
  ])
    globToRegExp(pattern)
  const options = resolveOptions('get', values, 'cli') as Omit<BatchGetOptions, 'source'>
  const { chooseProgressMode } = await import('../output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const { runBatchGet } = await import('../tasks/get-batch.js')
  const { createBatchProgress, describeSummary } = await import('../output/batch-progress.js')
  const { BatchSoFar } = await import('../output/batch-so-far.js')
  // The batch's events, kept for the summary of an interrupted run (which returns no result).
  const soFar = new BatchSoFar()
  const openProgress = async () => {
    const progress = await createBatchProgress({
      mode,
      showProgress: flags.progress !== false,
      verbose: Boolean(flags.verbose),
      stream: process.stderr,
    })
    return { ...progress, event: (e: import('../batch/results.js').BatchEvent) => (soFar.event(e), progress.event(e)) }
  }
  const dryRunOutput = values.dryRun ? await import('../output/dry-run.js') : undefined
  await runWithShell(
    flags,
    (ctx) =>
      runBatchGet(
        {
          ...options,
          source: folder !== undefined ? { kind: 'folder', ref: folder } : { kind: 'input', path: inputFile! },
        },
        { env: process.env, readStdin, openProgress, ...ctx },
      ),
    (result) => {
      if (dryRunOutput)
        return printDryRun(
          result as import('../batch/dry-run.js').DryRunResult & import('../http/request-counter.js').RequestCounts,
          flags,
          dryRunOutput,
        )
      const r = result as import('../tasks/get-batch.js').BatchGetResult
      if (flags.json) {
        const { ok, exitCode, dir, jobs, connections, maxConnectionsPerFile, summary } = r
        print(
          JSON.stringify({
            ok,
            exitCode,
            ...(dir !== undefined ? { dir } : {}),
            jobs,
            connections,
            maxConnectionsPerFile,
            files: jsonFiles(r.files),
            summary,
            ...requestsJson(r),
          }),
        )
      }
      sayEndLine(flags, describeSummary(r), r)
      process.exitCode = r.exitCode
    },
    // Interrupted: what finished so far, as the summary and in the one --json object, then what is kept.
    () => {
      const kept = soFar.kept
      return {
        kept,
        lines: soFar.planned ? [describeSummary(soFar, { soFar: true })] : [],
        json: { files: jsonFiles(soFar.files), summary: soFar.summary, ...(kept ? { keptBytes: kept.bytes } : {}) },
      }
    },
  )
}

/** A batch's files for --json: a failure's exit code goes inside its error. */
function jsonFiles(files: import('../batch/results.js').BatchFileResult[]) {
  return files.map(({ exitCode, error, ...f }) => ({ ...f, ...(error ? { error: { ...error, exitCode } } : {}) }))
}

/** --dry-run: the whole plan as one --json object, or one line per file on stdout and a summary on stderr. */
function printDryRun(
  r: import('../batch/dry-run.js').DryRunResult & import('../http/request-counter.js').RequestCounts,
  flags: OutputFlags,
  out: typeof import('../output/dry-run.js'),
): void {
  const { describeDryRunAction, describeDryRunSummary } = out
  if (flags.json) print(JSON.stringify(r))
  else for (const a of r.actions) printText(describeDryRunAction(a))
  sayEndLine(flags, describeDryRunSummary(r), r)
  process.exitCode = r.exitCode
}
