// `dtdl versions`: every version of a file (number, size, modified, modifier), newest first.
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import { resolveOptions } from '../config/option-values.js'
import { print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareVersions(program: Command): void {
  addDeclaredOptions(
    program
      .command('versions')
      .description("list a file's versions, newest first: version, size, modified time, modifier")
      .usage('[options] <spaceId> <dentryId>\n       dtdl versions [options] <link-or-dentryUuid>')
      .argument('<spaceId>', 'the storage space id, or a link or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id (not with a link)'),
    'versions',
  ).action(async (spaceId: string, dentryId: string | undefined, o: Record<string, unknown>) => {
    const values = declaredValues('versions', o)
    const flags = values as OutputFlags
    const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
    const { runVersions } = await import('../tasks/versions.js')
    const { formatVersions } = await import('../output/listing.js')
    await runWithShell(
      flags,
      (ctx) => runVersions({ ...resolveOptions('versions', values, 'cli'), ref }, { env: process.env, ...ctx }),
      (result) => {
        const { spaceId: s, dentryId: d, versions } = result as import('../tasks/versions.js').VersionsResult
        if (flags.json) print(JSON.stringify({ ok: true, spaceId: s, dentryId: d, versions }))
        else for (const line of formatVersions(versions)) printText(line)
      },
    )
  })
}
