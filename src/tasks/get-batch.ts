// `dtdl get -r` and `dtdl get -i`: work out the files (walk a folder, or read a list), then run them as one batch.
import { connectionsPerFile, runBatch } from '../batch/runner.js'
import { type BatchResult } from '../batch/results.js'
import { numberDefault } from '../config/options.js'
import { parseSha256List } from '../batch/sha256-list.js'
import { applySha256List, readSha256File } from '../batch/sha256-apply.js'
import { dryRunResult, type DryRunResult } from '../batch/dry-run.js'
import { connectApi, signedDownloadInfo } from '../dingtalk/connect.js'
import { speedLimitOf } from './get.js'
import type { RequestCounts } from '../http/request-counter.js'
import type { BatchGetContext, BatchGetOptions, PlannedBatch } from '../batch/batch-options.js'
import { finishMirror, planFolder } from '../batch/plan-folder.js'
import { parseInputList, planInputFile, readInput } from '../batch/plan-input.js'
import type { ParsedInput } from '../batch/input-file.js'

export type { BatchGetOptions, BatchGetContext, BatchProgressSink } from '../batch/batch-options.js'
export { incompleteEntryError, unknownTypeError } from '../batch/plan-folder.js'

export interface BatchGetResult extends BatchResult, RequestCounts {
  /** -r: the mirror's directory (absolute); `files[].path` is relative to it. */
  dir?: string
  jobs: number
  /**
   * A number when -c was given; "auto" = found per file, at most `maxConnectionsPerFile` (16 shared by the files
   * running at once).
   */
  connections: number | 'auto'
  maxConnectionsPerFile: number
}

/** Plans and runs a `-r` or `-i` batch; with `dryRun`, only plans (see dry-run.ts). */
export async function runBatchGet(
  options: BatchGetOptions & { dryRun?: false | undefined },
  ctx: BatchGetContext,
): Promise<BatchGetResult>
export async function runBatchGet(
  options: BatchGetOptions,
  ctx: BatchGetContext,
): Promise<BatchGetResult | (DryRunResult & RequestCounts)>
export async function runBatchGet(
  options: BatchGetOptions,
  ctx: BatchGetContext,
): Promise<BatchGetResult | (DryRunResult & RequestCounts)> {
  const jobs = options.jobs ?? numberDefault('jobs')
  // Notes from the API client (throttling waits) go to whichever drawer is current: the spinner, then the bars.
  let note = (text: string) => ctx.reporter.note(text)
  const apiCtx = { ...ctx, reporter: { ...ctx.reporter, note: (text: string) => note(text) } }
  // Read before any request: a file that is no list costs no API call, and a SHA-256 list that cannot be
  // read whole is a usage error, not a batch checked in part.
  const { list, sha256List } = await readLists(options, ctx)
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(apiCtx, options, options)
  const { api, dispatcher, requests } = connected
  // The run's signal from here on: Ctrl-C, --max-time, and --max-api-calls reached.
  ctx = { ...ctx, signal: connected.signal }
  try {
    const unionId = await connected.unionId()
    const planned = await planBatch(connected, unionId, list, options, ctx, jobs)
    if (sha256List && options.sha256File !== undefined) {
      planned.notes.push(
        ...applySha256List(planned.items, sha256List, planned.dir ?? process.cwd(), options.sha256File),
      )
    }
    ctx.reporter.finish()
    if (options.dryRun) return { ...dryRunResult(planned.preview ?? [], planned.dir), ...requests.snapshot() }
    const progress = await ctx.openProgress()
    note = (t) => progress.note(t)
    for (const line of planned.notes) progress.note(line)
    try {
      const ran = runBatch(planned.items, {
        jobs,
        connections: options.connections,
        dispatcher,
        getDownloadInfo: signedDownloadInfo(api, unionId, options.preferIntranet),
        retries: options.retries,
        stallTimeoutMs: options.stallTimeoutMs,
        limitRate: options.limitRate,
        speedLimit: speedLimitOf(options),
        force: options.force,
        lockWaitMs: options.lockWaitMs,
        signal: ctx.signal,
        onEvent: (e) => progress.event(e),
        onNote: (t) => progress.note(t),
        log: ctx.log,
        requests,
      })
      const result = planned.finish
        ? await finishMirror(ran, planned.finish, note, (e) => progress.event(e))
        : await ran
      return {
        ...result,
        ...requests.snapshot(),
        ...(planned.dir !== undefined ? { dir: planned.dir } : {}),
        jobs,
        connections: options.connections ?? 'auto',
        maxConnectionsPerFile: connectionsPerFile({
          jobs,
          files: planned.items.filter((i) => !i.error).length,
          requested: options.connections,
        }),
      }
    } finally {
      progress.finish()
    }
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}

/** The lists a batch reads before any request: the input list (-i) and the SHA-256 list (--sha256-file). */
async function readLists(options: BatchGetOptions, ctx: BatchGetContext) {
  const source = options.source
  const text =
    source.kind === 'input' ? await readInput(source.path, ctx) : source.kind === 'text' ? source.text : undefined
  const inputName = source.kind === 'input' ? (source.path === '-' ? 'stdin' : source.path) : 'the list'
  const list = text === undefined ? undefined : parseInputList(text, inputName)
  const sha256List =
    options.sha256File === undefined
      ? undefined
      : parseSha256List(await readSha256File(options.sha256File), options.sha256File)
  return { list, sha256List }
}

/** The batch's files: a folder walked (-r), or the list's lines looked up (-i). */
async function planBatch(
  connected: Awaited<ReturnType<typeof connectApi>>,
  unionId: string,
  list: ParsedInput | undefined,
  options: BatchGetOptions,
  ctx: BatchGetContext,
  jobs: number,
): Promise<PlannedBatch> {
  const source = options.source
  if (source.kind !== 'folder') {
    return planInputFile(
      connected.api,
      unionId,
      list ?? { entries: [], errors: [] },
      options,
      ctx,
      jobs,
      connected.resolve,
    )
  }
  if ('ref' in source) ctx.reporter.phase('resolving the link')
  const { spaceId, dentryId } = await connected.resolve(
    'ref' in source ? source.ref : { kind: 'ids', spaceId: source.spaceId, dentryId: source.dentryId },
  )
  return planFolder(connected.api, unionId, spaceId, dentryId, options, ctx)
}
