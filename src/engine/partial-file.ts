// The partial file of a resumable download and its record: what a new run may trust of it (the record's word, no
// further than the file reaches), and opening it (the record first) through the disk module.
import { toFileSystemError } from '../errors.js'
import { createOwnFile, openOwnFile } from '../disk/files.js'
import {
  partialPathFor,
  readResumeRecord,
  recordMismatch,
  recordPathFor,
  removeResumeFiles,
  restorableRanges,
  writeResumeRecord,
} from './resume-record.js'
import { totalLength, type ByteRange } from './segments.js'
import { FileSink } from './sinks.js'
import type { DownloadEvent, DownloadOptions, RemoteObject } from './types.js'

/** What is already on disk, by the record's word, and no further than the partial file reaches. */
export async function restoreDone(
  options: DownloadOptions,
  remote: RemoteObject,
  emit: (e: DownloadEvent) => void,
): Promise<ByteRange[]> {
  const record = await readResumeRecord(recordPathFor(options.target))
  if (!record) return []
  const why = recordMismatch(record, options.request, {
    size: remote.size,
    etag: remote.etag,
    validator: remote.validator ?? undefined,
  })
  if (why) {
    emit({ type: 'note', message: `starting over: the partial download cannot be resumed because ${why}` })
    return []
  }
  const handle = await openOwnFile(partialPathFor(options.target)).catch(() => undefined)
  const partialSize = await handle?.stat().then((s) => s.size)
  await handle?.close()
  if (partialSize === undefined) {
    emit({ type: 'note', message: 'starting over: the partial file is missing' })
    return []
  }
  const done = restorableRanges(record.done, remote.size, partialSize)
  const claimed = totalLength(restorableRanges(record.done, remote.size, remote.size))
  if (totalLength(done) < claimed)
    emit({
      type: 'note',
      message: `the partial file is shorter than its record says (${partialSize} bytes): the ${claimed - totalLength(done)} claimed bytes past its end are fetched again`,
    })
  return done
}

/**
 * The record is written before any byte: on a disk that fills up later it can then be rewritten in its
 * own blocks (see writeResumeRecord), so the bytes that made it to disk stay claimed. The partial file is
 * opened or created through the disk module: never through a link planted at its name.
 */
export async function openPartial(
  options: DownloadOptions,
  remote: RemoteObject,
  done: ByteRange[],
  resumable: boolean,
): Promise<FileSink> {
  const partialPath = partialPathFor(options.target)
  try {
    if (resumable)
      await writeResumeRecord(recordPathFor(options.target), {
        format: 1,
        request: options.request,
        remote: { size: remote.size, etag: remote.etag, validator: remote.validator ?? undefined },
        done,
      })
    return new FileSink(
      done.length > 0 ? await openOwnFile(partialPath) : await createOwnFile(partialPath),
      partialPath,
    )
  } catch (err) {
    // Nothing to resume from: leave no side file behind.
    if (done.length === 0) await removeResumeFiles(options.target).catch(() => {})
    throw toFileSystemError(err, partialPath, 'create')
  }
}
