// `dtdl emulator`: a local DingTalk API and storage host to try dtdl and scripts offline.
import { basename, resolve } from 'node:path'
import { stat } from 'node:fs/promises'
import { FileSystemError, UsageError } from '../errors.js'

export async function runEmulator(options: { port: number; files: string[] }, io: { stdout: (line: string) => void }): Promise<void> {
  const { startEmulator, DEMO } = await import('./index.js')
  const emulator = await startEmulator({ port: options.port }).catch((err: unknown) => {
    throw listenError(err, options.port)
  })
  let next = 30001
  for (const file of options.files) {
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) {
      await emulator.close()
      throw new FileSystemError(file, `cannot serve ${file}: not a readable file`, { code: 'FS_ENOENT', hint: 'pass paths of existing files to --file' })
    }
    emulator.addFile({ spaceId: DEMO.spaceId, dentryId: String(next++), name: basename(file), path: resolve(file), size: info.size })
  }
  io.stdout(emulator.describe())
  io.stdout('Press Ctrl-C to stop.')
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void emulator.close().then(done)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** A port the emulator cannot listen on is a bad --port (exit 2), said in one line. */
function listenError(err: unknown, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return new UsageError(`port ${port} is in use`, { code: 'PORT_IN_USE', hint: 'choose another with --port, or --port 0 for a free one', cause: err })
  if (code === 'EACCES') return new UsageError(`port ${port} needs privileges this user does not have`, { code: 'PORT_DENIED', hint: 'choose one above 1023 with --port, or --port 0 for a free one', cause: err })
  return err
}
