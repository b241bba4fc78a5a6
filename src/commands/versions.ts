// `dtdl versions`: every version of a file (number, size, modified, modifier), newest first.
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import { addOperatorOptions, operatorFlags, print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'

export function declareVersions(program: Command): void {
  addOperatorOptions(
    program
      .command('versions')
      .description("list a file's versions, newest first: version, size, modified time, modifier")
      .usage('[options] <spaceId> <dentryId>\n       dtdl versions [options] <link-or-dentryUuid>')
      .argument('<spaceId>', 'the storage space id, or a link or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id (not with a link)'),
  )
    .option('--json', 'print one JSON object: {"ok": true, "versions": [{version, size, modifiedTime, modifierId, name}]}')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Fetch one of them with: dtdl get <spaceId> <dentryId> --version <n>

Examples:
  $ dtdl versions 123456 7890123                   every version, newest first
  $ dtdl versions 123456 7890123 --json            as JSON`,
    )
    .action(async (spaceId: string, dentryId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
      const { runVersions } = await import('../tasks/versions.js')
      const { formatVersions } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) => runVersions({ ref, ...operatorFlags(o) }, { env: process.env, ...ctx }),
        (result) => {
          const { spaceId: s, dentryId: d, versions } = result as import('../tasks/versions.js').VersionsResult
          if (flags.json) print(JSON.stringify({ ok: true, spaceId: s, dentryId: d, versions }))
          else for (const line of formatVersions(versions)) printText(line)
        },
      )
    })
}
