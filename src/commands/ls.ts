// `dtdl ls`: a folder's entries (or its whole tree) for people or as JSON.
import { parseListArgs } from '../dingtalk/dentry-ref.js'
import { addOperatorOptions, operatorFlags, print, printText, requestsJson, runWithShell, sayEndLine, type Command, type OutputFlags } from './shell.js'

export function declareLs(program: Command): void {
  addOperatorOptions(
    program
      .command('ls')
      .description("list a folder's entries (the space root when no folder is given): type, size, modified time, id, path")
      .usage('[options] <spaceId> [folderDentryId]\n       dtdl ls [options] <link-or-dentryUuid>')
      .argument('<spaceId>', 'the storage space id, or a folder\'s link or dentryUuid (a knowledge base\'s rootNodeId)')
      .argument('[folderDentryId]', 'the folder (dentry) id (default: the space root)'),
  )
    .option('-r, --recursive', 'list the whole tree below the folder')
    .option('--json', 'print one JSON object: {"ok": true, "entries": [{id, name, type, size, modifiedTime, path}], "apiCalls", "storageRequests", "apiThrottled"}')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Paths are relative to the listed folder, names as the server has them (control characters shown as
\\xNN; in --json, verbatim). Sizes are in bytes in --json, null for folders.

Examples:
  $ dtdl ls 123456                                the space root
  $ dtdl ls 123456 4455 -r                        a folder's whole tree
  $ dtdl ls 123456 4455 -r --json | jq -r '.entries[] | select(.type == "file") | .path'`,
    )
    .action(async (spaceId: string, folderId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const target = parseListArgs(spaceId, folderId)
      const where = target.kind === 'space' ? { spaceId: target.spaceId } : target.kind === 'ids' ? { spaceId: target.spaceId, folderId: target.dentryId } : { ref: target }
      const { runLs } = await import('../tasks/ls.js')
      const { formatLs } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) =>
          runLs(
            { ...where, recursive: Boolean(o.recursive), ...operatorFlags(o) },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const r = result as import('../tasks/ls.js').LsResult
          if (flags.json) print(JSON.stringify({ ok: true, entries: r.entries, ...requestsJson(r) }))
          else for (const line of formatLs(r.entries)) printText(line)
          sayEndLine(flags, `${r.entries.length} ${r.entries.length === 1 ? 'entry' : 'entries'}`, r)
        },
      )
    })
}
