// `dtdl get`: one file, a folder with -r, or a list with -i; its options, help, and what it prints.
import { UsageError } from '../errors.js'
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import { addFileApiOptions, collect, commander, fileApiFlags, operatorFlags, intOption, secondsOption, parseLimitRate, print, progressModeFor, readStdin, requestsJson, runWithShell, sayEndLine, type Command, type OutputFlags } from './shell.js'

const { Option } = commander

const GET_HELP = `
Folders (-r):
  The folder's contents go into -o <dir> (made if missing, like \`cp -r folder/. dir\`; the directory
  it is in must exist, unless --create-dirs); without -o, into ./<folder name>. A file id with -r lands
  in that directory alone. Names from the server are made safe (no separators, "..", control
  characters or names Windows cannot hold; colliding names get " (2)" by dentryId order) and nothing
  is written outside the directory. A file already there and identical is skipped; an interrupted
  run, re-run, resumes; a local file that differs needs --force.
  A sync state (<dir>/.dtdl-sync-<hex>.json) remembers what dtdl placed: a re-run skips files whose
  listing and local size/mtime are unchanged without any download call, fetches changed ones again, and
  with --delete removes files it placed that are gone from the remote. --dry-run (also -i) prints
  download/replace/check/skip/delete/keep per file and writes nothing.
  --include/--exclude match each file's path in the mirror (POSIX, after cleaning): * within a name,
  ** across folders, ? one character; a pattern without / matches at any depth, and a pattern that
  matches a folder matches everything in it. A file is taken if it matches any --include (or none is
  given) and no --exclude.
Links:
  Wherever a file or folder is named, a link copied from DingTalk
  (https://alidocs.dingtalk.com/i/nodes/<dentryUuid>, any ?query or #fragment) or the bare dentryUuid
  stands for <spaceId> <dentryId>; it is resolved once (queryDentryId) and remembered in the config store.
Input files (-i):
  One "<spaceId> <dentryId> [output]" or "<link-or-dentryUuid> [output]" per line; blank lines and lines starting with # are skipped. The
  output is the rest of the line, spaces included ("..." around it is optional); without it the file's
  own name. With -o <dir>, relative outputs are taken inside <dir>; <dir> and each line's directory
  must exist, unless --create-dirs. A bad line is reported as "line N: ..." and the other lines still
  run; a line whose target an earlier line already has fails as "line N: same target as line M". An
  indented "  sha256=<hex>" line below an entry (aria2's convention for per-entry options) gives that
  file's SHA-256.
Checksums (--sha256, --sha256-file):
  Every SHA-256 given is checked on every path: a fresh or resumed download, and a file already up to
  date (then a mismatch exits 6 and keeps the file, since its size and CRC-64 match the remote: the
  hash given or the remote file is wrong). --sha256 <hex> is for one file. For a batch, --sha256-file
  takes sha256sum's output ("<hex>  <path>"): with -r, paths relative to the mirror (run sha256sum
  inside it); with -i, the target paths (relative to the current directory, or absolute). Files the
  list does not name are checked by size and CRC-64 and the run says how many; "checked" in --json
  lists what was checked, file by file.
Batches (-r, -i):
  -j files at a time; each uses -c connections if given, else finds its count (as for one file)
  within floor(16 / min(jobs, files)), the maxConnectionsPerFile of --json.
  --limit-rate caps the whole batch: one budget shared by every file in flight. A failed file does
  not stop the others; the exit code is the worst file's by severity: 130 > 6 > 7 > 5 > 3 > 4 > 2 >
  1 > 0. --json prints
  {ok, exitCode, dir?, jobs, connections, maxConnectionsPerFile, files: [{path, spaceId, dentryId,
  status: downloaded|skipped|failed|deleted, bytes, existing?, line?, checked?, connections?,
  peakConnections?, error?}], summary:
  {downloaded, skipped, failed, deleted, bytes, durationMs}}; with -r each path is relative to dir,
  with -i it is the target path. With --dry-run: {dryRun: true, ok, exitCode, dir?, actions: [{action, path,
  dentryId, bytes, reason, line?, error?}], summary: {download, replace, check, skip, delete, keep,
  fail, bytes}}. Both also carry apiCalls: {total, token, dentry, list, downloadInfo}, storageRequests
  and apiThrottled: what the run cost.
API budget:
  Calls to each DingTalk API are paced to --api-qps per second (default 20, DingTalk's standard limit)
  for the whole run; waiting is silent, throttling that still happens is summed up in one line at the
  end. Every end line says what the run cost ("... 1026 API calls, 1000 storage requests").

Examples:
  $ dtdl get 123456 7890123 -u $UNION_ID                 save as the file's own name
  $ dtdl get 'https://alidocs.dingtalk.com/i/nodes/R1zk...' --user-id manager4220   by link, as a userid
  $ dtdl get 123456 7890123 -o backups/ -c 8             into backups/, 8 connections
  $ dtdl get 123456 7890123 -o db.tar --version 3 --json  version 3, JSON result
  $ dtdl get 123456 4455 -r -o mirror/ --exclude '*.tmp'  a folder's contents into mirror/
  $ dtdl get -i list.txt -j 8                             every file list.txt names, 8 at a time
  $ dtdl get 123456 7890123 -o new/dir/ --create-dirs     into a directory made for it
  $ dtdl get 123456 7890123 -m 600                        at most 10 minutes (exit 28; run again to resume)
Interrupted? Run the same command again: it resumes.`

export function declareGet(program: Command): void {
  addFileApiOptions(
    program
      .command('get')
      .description('download one file; a whole folder with -r; a list of files with -i')
      .usage('[options] <spaceId> <dentryId>\n       dtdl get [options] <link-or-dentryUuid>\n       dtdl get [options] -i <file>')
      // Optional here only so -i and links can go without them; the action insists otherwise.
      .argument('[spaceId]', 'the storage space id, or a link (https://alidocs.dingtalk.com/i/nodes/...) or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id; with -r a folder id ("0" = the space root)'),
  )
    .option('-o, --output <path>', 'target file, or an existing directory to save into (default: the file name, here)')
    .addOption(new Option('-c, --connections <n>', 'parallel connections, 1-16 (default: found while downloading, up to 16)').argParser(intOption('--connections', 1, 16)))
    .addOption(new Option('--retries <n>', 'consecutive failures of a connection before giving up').default(5).argParser(intOption('--retries', 0, 100)))
    .addOption(new Option('--stall-timeout <seconds>', 'abort and retry a response silent this long').default(30).argParser(intOption('--stall-timeout', 1, 3600)))
    .addOption(new Option('--archive-wait <seconds>', 'how long to wait for an archived file to be restored').default(600).argParser(intOption('--archive-wait', 0, 86400)))
    .addOption(new Option('--lock-wait <seconds>', 'wait this long for another dtdl writing the same target (0 = do not wait)').default(3600 /* DEFAULT_LOCK_WAIT_MS, not imported: --help stays light */).argParser(intOption('--lock-wait', 0, 86400)))
    .option('--sha256 <hex>', 'also check the SHA-256 of the whole file (also when it is already up to date)')
    .option('--sha256-file <path>', "with -r/-i: SHA-256s in sha256sum's format (see 'Checksums' below)")
    .option('--limit-rate <rate>', 'overall speed cap across connections, e.g. 500K, 10M (bytes per second)')
    .option('-f, --force', 'replace an existing target that differs from the remote file')
    .option('--create-dirs', 'create missing directories of -o and of -i lines (else a missing one is an error)')
    .option('--json', 'print one JSON object with the result on stdout')
    .option('-q, --quiet', 'print nothing on success, only the error on failure')
    .option('--no-progress', 'no progress bar or periodic progress lines')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addOption(new Option('--connect-timeout <seconds>', 'give up a connection attempt after this long (default 10; it is retried)').argParser(secondsOption('--connect-timeout')))
    .addOption(new Option('-m, --max-time <seconds>', 'stop the whole command after this long: exit 28, what was downloaded is kept').argParser(secondsOption('--max-time')))
    .option('-r, --recursive', "download a folder and everything below it (see 'Folders' below)")
    .option('-i, --input-file <path>', "download the files a list names, one batch (see 'Input files' below); - reads stdin")
    .addOption(new Option('-j, --jobs <n>', 'with -r/-i: files at a time, 1-16 (default: 4)').argParser(intOption('--jobs', 1, 16)))
    .option('--include <glob>', 'with -r: fetch only files whose path matches (repeatable)', collect)
    .option('--exclude <glob>', 'with -r: skip files whose path matches (repeatable)', collect)
    .option('--delete', 'with -r: remove files dtdl placed earlier that are gone from the remote (never others)')
    .option('--dry-run', 'with -r/-i: print what would be downloaded, replaced, skipped, deleted; fetch and write nothing')
    .option('--skip-existing', 'leave an existing target alone, unchecked (no API call when -o names the file)')
    .addHelpText('after', GET_HELP)
    .action((spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>) =>
      o.recursive || o.inputFile !== undefined ? runBatchGetCommand(spaceId, dentryId, o) : runSingleGet(spaceId, dentryId, o),
    )
}

/** `get` of one file: checks the flags, then runs the download with the shell's progress, signals and exit code. */
async function runSingleGet(spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>): Promise<void> {
  const flags = o as OutputFlags
  if (o.jobs !== undefined || o.include !== undefined || o.exclude !== undefined || o.delete || o.dryRun) {
    throw new UsageError('-j, --include, --exclude, --delete and --dry-run apply to -r and -i only', { code: 'BAD_OPTION', hint: 'add -r to download a folder' })
  }
  if (o.sha256File !== undefined) throw new UsageError('--sha256-file applies to -r and -i', { code: 'BAD_OPTION', hint: 'for one file, pass --sha256 <hex>' })
  if (o.skipExisting && o.output === '-') throw new UsageError('--skip-existing needs a file target, not -o -', { code: 'BAD_OPTION' })
  if (o.skipExisting && o.force) throw new UsageError('--skip-existing and --force contradict each other', { code: 'BAD_OPTION', hint: 'keep one of them' })
  if (spaceId === undefined) {
    throw new UsageError('missing <spaceId> <dentryId>', { code: 'MISSING_ARGUMENT', hint: 'dtdl get <spaceId> <dentryId>, dtdl get <link>, or dtdl get -i <file>' })
  }
  const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
  if (o.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(String(o.sha256))) {
    throw new UsageError('--sha256 must be 64 hex digits', { code: 'BAD_OPTION' })
  }
  const limitRate = await parseLimitRate(o.limitRate)
  if (o.output === '-' && flags.json) {
    throw new UsageError('--json and -o - both want stdout', { code: 'BAD_OPTION', hint: 'drop --json, or save to a file with -o <path>' })
  }
  const { runGet } = await import('../tasks/get.js')
  const { describeGetResult } = await import('../output/end-lines.js')
  await runWithShell(
    flags,
    (ctx) =>
      runGet(
        {
          ref,
          output: o.output as string | undefined,
          ...fileApiFlags(o),
          connections: o.connections as number | undefined,
          ...tuningFlags(o),
          sha256: o.sha256 as string | undefined,
          limitRate,
          force: Boolean(o.force),
          createDirs: Boolean(o.createDirs),
          reportVersion: Boolean(flags.json),
          connectTimeoutMs: o.connectTimeout === undefined ? undefined : (o.connectTimeout as number) * 1000,
          lockWaitMs: (o.lockWait as number) * 1000,
          skipExisting: Boolean(o.skipExisting),
        },
        { env: process.env, stdout: process.stdout, ...ctx },
      ),
    (result) => printGetResult(result as import('../tasks/get.js').GetResult, o, describeGetResult),
    // -o - keeps nothing: the bytes went down the pipe.
    (kept) => ({ kept: kept && o.output === '-' ? { ...kept, streamed: true } : kept, json: kept ? { keptBytes: kept.bytes, size: kept.size } : {} }),
  )
}

/** The end of a one-file `get`: the --json object on stdout, and one line for people on stderr. */
function printGetResult(r: import('../tasks/get.js').GetResult, o: Record<string, unknown>, describe: typeof import('../output/end-lines.js').describeGetResult): void {
  const flags = o as OutputFlags
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
        bytesPerSecond: r.durationMs > 0 && !r.upToDate ? Math.round(((r.bytes - r.resumedBytes) * 1000) / r.durationMs) : 0,
        resumedBytes: r.resumedBytes,
        retries: r.retries,
        urlRefreshes: r.urlRefreshes,
        connections: r.connections,
        peakConnections: r.peakConnections,
        ...(r.existing ? { existing: true } : {}),
        ...requestsJson(r),
      }),
    )
  }
  sayEndLine(flags, r.existing ? `exists, left alone (--skip-existing): ${r.path}` : describe(r), r)
}

/** The flags of `get -r` / `get -i` that do not fit together, or not a batch: each a usage error before any request. */
function checkBatchFlags(spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>) {
  const inputFile = o.inputFile as string | undefined
  const include = (o.include as string[] | undefined) ?? []
  const exclude = (o.exclude as string[] | undefined) ?? []
  if (o.recursive && inputFile !== undefined) throw new UsageError('-r and -i do not go together', { code: 'BAD_OPTION', hint: 'list folders with -r one at a time' })
  if (inputFile !== undefined && spaceId !== undefined) throw new UsageError('-i takes the ids from the file: give no <spaceId> <dentryId>', { code: 'BAD_OPTION' })
  if (o.recursive && spaceId === undefined) throw new UsageError('missing <spaceId> <folderDentryId>', { code: 'MISSING_ARGUMENT', hint: 'dtdl get <spaceId> <folderDentryId> -r, or dtdl get <link> -r' })
  const folder = o.recursive ? parseFileArgs(spaceId, dentryId, '<spaceId> <folderDentryId>, or a link') : undefined
  if (inputFile !== undefined && (include.length > 0 || exclude.length > 0 || o.delete)) throw new UsageError('--include, --exclude and --delete apply to -r only', { code: 'BAD_OPTION' })
  if (o.recursive && o.skipExisting) throw new UsageError('--skip-existing applies to get and -i; -r already skips files its sync state shows unchanged', { code: 'BAD_OPTION', hint: 'drop --skip-existing' })
  if (o.skipExisting && o.force) throw new UsageError('--skip-existing and --force contradict each other', { code: 'BAD_OPTION', hint: 'keep one of them' })
  if (o.version !== undefined) throw new UsageError('--version applies to one file, not to -r or -i', { code: 'BAD_OPTION' })
  if (o.sha256 !== undefined) {
    throw new UsageError('--sha256 checks one file, not -r or -i', {
      code: 'BAD_OPTION',
      hint: `give the batch's SHA-256s with --sha256-file <file> (sha256sum's format)${inputFile !== undefined ? ', or a "  sha256=<hex>" line below each entry of the input file' : ''}`,
    })
  }
  if (o.output === '-') throw new UsageError('-o - streams one file to stdout; -r and -i write files', { code: 'BAD_OPTION', hint: 'give a directory with -o' })
  return { inputFile, include, exclude, folder }
}

/** `get -r` and `get -i`: checks the flags that do not fit a batch, then runs it with a batch's progress and exit code. */
async function runBatchGetCommand(spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>): Promise<void> {
  const flags = o as OutputFlags
  const { inputFile, include, exclude, folder } = checkBatchFlags(spaceId, dentryId, o)
  const limitRate = await parseLimitRate(o.limitRate)
  const { globToRegExp } = await import('../batch/mirror-plan.js')
  for (const pattern of [...include, ...exclude]) globToRegExp(pattern) // a bad pattern is a usage error before any request
  const { chooseProgressMode } = await import('../output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const { runBatchGet } = await import('../tasks/get-batch.js')
  const { createBatchProgress, describeSummary } = await import('../output/batch-progress.js')
  const { BatchSoFar } = await import('../output/batch-so-far.js')
  // The batch's events, kept for the summary of an interrupted run (which returns no result).
  const soFar = new BatchSoFar()
  const openProgress = async () => {
    const progress = await createBatchProgress({ mode, showProgress: flags.progress !== false, stream: process.stderr })
    return { ...progress, event: (e: import('../batch/runner.js').BatchEvent) => (soFar.event(e), progress.event(e)) }
  }
  const dryRunOutput = o.dryRun ? await import('../output/dry-run.js') : undefined
  await runWithShell(
    flags,
    (ctx) =>
      runBatchGet(
        {
          source: folder !== undefined ? { kind: 'folder', ref: folder } : { kind: 'input', path: inputFile! },
          output: o.output as string | undefined,
          filters: { include, exclude },
          jobs: o.jobs as number | undefined,
          connections: o.connections as number | undefined,
          ...operatorFlags(o),
          preferIntranet: o.intranet as boolean | undefined,
          ...tuningFlags(o),
          limitRate,
          force: Boolean(o.force),
          createDirs: Boolean(o.createDirs),
          connectTimeoutMs: o.connectTimeout === undefined ? undefined : (o.connectTimeout as number) * 1000,
          lockWaitMs: (o.lockWait as number) * 1000,
          sha256File: o.sha256File as string | undefined,
          dryRun: Boolean(o.dryRun),
          delete: Boolean(o.delete),
          skipExisting: Boolean(o.skipExisting),
        },
        { env: process.env, readStdin, openProgress, ...ctx },
      ),
    (result) => {
      if (dryRunOutput) return printDryRun(result as import('../batch/dry-run.js').DryRunResult & import('../http/request-counter.js').RequestCounts, flags, dryRunOutput)
      const r = result as import('../tasks/get-batch.js').BatchGetResult
      if (flags.json) {
        const { ok, exitCode, dir, jobs, connections, maxConnectionsPerFile, summary } = r
        print(JSON.stringify({ ok, exitCode, ...(dir !== undefined ? { dir } : {}), jobs, connections, maxConnectionsPerFile, files: jsonFiles(r.files), summary, ...requestsJson(r) }))
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
function jsonFiles(files: import('../batch/runner.js').BatchFileResult[]) {
  return files.map(({ exitCode, error, ...f }) => ({ ...f, ...(error ? { error: { ...error, exitCode } } : {}) }))
}

/** --dry-run: the whole plan as one --json object, or one line per file on stdout and a summary on stderr. */
function printDryRun(r: import('../batch/dry-run.js').DryRunResult & import('../http/request-counter.js').RequestCounts, flags: OutputFlags, out: typeof import('../output/dry-run.js')): void {
  const { describeDryRunAction, describeDryRunSummary } = out
  if (flags.json) print(JSON.stringify(r))
  else for (const a of r.actions) print(describeDryRunAction(a))
  sayEndLine(flags, describeDryRunSummary(r), r)
  process.exitCode = r.exitCode
}

/** --retries, --stall-timeout and --archive-wait as the engine takes them (milliseconds). */
function tuningFlags(o: Record<string, unknown>) {
  return { retries: o.retries as number, stallTimeoutMs: (o.stallTimeout as number) * 1000, archiveWaitMs: (o.archiveWait as number) * 1000 }
}
