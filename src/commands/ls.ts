// `dtdl ls`: a folder's entries (or its whole tree) for people or as JSON.
import { parseListArgs } from '../dingtalk/dentry-ref.js'
import { resolveOptions } from '../config/option-values.js'
import { print, printText, requestsJson, runWithShell, sayEndLine, type Command, type OutputFlags } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareLs(program: Command): void {
  addDeclaredOptions(
    program
      .command('ls')
      .description(
        "list a folder's entries (the space root when no folder is given): type, size, modified time, id, path",
      )
      .usage('[options] <spaceId> [folderDentryId]\n       dtdl ls [options] <link-or-dentryUuid>')
      .argument('<spaceId>', "the storage space id, or a folder's link or dentryUuid (a knowledge base's rootNodeId)")
      .argument('[folderDentryId]', 'the folder (dentry) id (default: the space root)'),
    'ls',
  ).action(async (spaceId: string, folderId: string | undefined, o: Record<string, unknown>) => {
    const values = declaredValues('ls', o)
    const flags = values as OutputFlags
    const target = parseListArgs(spaceId, folderId)
    const where =
      target.kind === 'space'
        ? { spaceId: target.spaceId }
        : target.kind === 'ids'
          ? { spaceId: target.spaceId, folderId: target.dentryId }
          : { ref: target }
    const { runLs } = await import('../tasks/ls.js')
    const { formatLs } = await import('../output/listing.js')
    await runWithShell(
      flags,
      (ctx) =>
        runLs(
          { ...resolveOptions('ls', values, 'cli'), ...where, recursive: Boolean(values.recursive) },
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
