// `dtdl ls`: a folder's entries (or its whole tree) for people or as JSON.
import { print, runWithShell, type Command, type OutputFlags } from './shell.js'

export function declareLs(program: Command): void {
  program
    .command('ls')
    .description("list a folder's entries (the space root when no folder is given): type, size, modified time, id, path")
    .argument('<spaceId>', 'the storage space id')
    .argument('[folderDentryId]', 'the folder (dentry) id (default: the space root)')
    .option('-r, --recursive', 'list the whole tree below the folder')
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint)')
    .option('--json', 'print one JSON object: {"ok": true, "entries": [{id, name, type, size, modifiedTime, path}]}')
    .option('--verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Paths are relative to the listed folder, names as the server has them (control characters shown as
\\xNN; in --json, verbatim). Sizes are in bytes in --json, null for folders.`,
    )
    .action(async (spaceId: string, folderId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const { runLs } = await import('../dingtalk/list.js')
      const { formatLs } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) =>
          runLs(
            { spaceId, folderId, recursive: Boolean(o.recursive), unionId: o.unionId as string | undefined, endpoint: o.endpoint as string | undefined },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const entries = result as import('../dingtalk/list.js').LsEntry[]
          if (flags.json) print(JSON.stringify({ ok: true, entries }))
          else for (const line of formatLs(entries)) print(line)
        },
      )
    })
}
