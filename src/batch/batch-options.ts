// The options, context and plan shapes of a `get -r` / `get -i` batch, shared by its planning and running.
import type { BatchItem } from './runner.js'
import type { BatchEvent, BatchFileResult } from './results.js'
import type { DryRunAction } from './dry-run.js'
import type { ApiContext, ApiFlags, StepReporter } from '../dingtalk/connect.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'

export interface BatchGetOptions extends ApiFlags {
  /** A folder (or file) to mirror, or an input file ("-" = stdin). */
  source:
    | { kind: 'folder'; spaceId: string; dentryId: string }
    | { kind: 'folder'; ref: DentryRef }
    | { kind: 'input'; path: string }
    | { kind: 'text'; text: string }
  /** -r: the directory the folder's contents go into. -i: the base directory of every line's output. */
  output?: string | undefined
  /** -r: --include / --exclude globs on each file's path in the mirror. */
  include?: string[] | undefined
  exclude?: string[] | undefined
  jobs?: number | undefined
  connections?: number | undefined
  unionId?: string | undefined
  endpoint?: string | undefined
  /** Calls per second per DingTalk API, shared by all jobs (0 = no pacing); default from env/config, else 20. */
  apiQps?: number | undefined
  preferIntranet?: boolean | undefined
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  archiveWaitMs?: number | undefined
  limitRate?: number | undefined
  /** --speed-limit (bytes per second) and --speed-time (ms), per file. */
  speedLimit?: number | undefined
  speedTimeMs?: number | undefined
  force?: boolean | undefined
  /** --connect-timeout in ms (undici's default 10 s when absent). */
  connectTimeoutMs?: number | undefined
  /** --create-dirs: make a missing -i -o base, -i line directories and the parents of -r's -o. */
  createDirs?: boolean | undefined
  /** How long each file waits for another dtdl writing the same target (ms). */
  lockWaitMs?: number | undefined
  /** --sha256-file: sha256sum lines, paths relative to the mirror (-r) or the current directory (-i). */
  sha256File?: string | undefined
  /** Plan only: listing (and -i lookup) calls, no download info, no storage request, nothing written. */
  dryRun?: boolean | undefined
  /** -r: remove files dtdl placed earlier (by the sync state) that are gone from the remote. */
  delete?: boolean | undefined
  /** -i: an existing target is left alone, unchecked; with an output naming the file, without any API call. */
  skipExisting?: boolean | undefined
}

export interface BatchGetContext extends ApiContext {
  /** The spinner of the planning steps, cleared before the batch's own progress starts. */
  reporter: StepReporter & { finish(): void }
  readStdin: () => Promise<string>
  /** Opens the batch's own progress display once planning is done (the shell draws bars; a library caller its own). */
  openProgress: () => Promise<BatchProgressSink>
}

/** Where a running batch reports: notes for people, per-file events, and the end. */
export interface BatchProgressSink {
  note(text: string): void
  event(e: BatchEvent): void
  finish(): void
}

/** What planning hands the runner: the files, and what to say and do around them. */
export interface PlannedBatch {
  items: BatchItem[]
  dir?: string
  /** Things people should know before the downloads start (empty folders that could not be made...). */
  notes: string[]
  /** --dry-run of -r: the sync plan's actions (for -i they come from the items). */
  preview?: DryRunAction[]
  /** -r: after the batch, --delete's removals and the sync state saved; returns the deletions' results. */
  finish?: (interrupted: boolean, note: (text: string) => void) => Promise<BatchFileResult[]>
}
