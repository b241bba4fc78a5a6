// `dtdl info`: a file's metadata and download info, secrets masked unless asked.
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import { addFileApiOptions, fileApiFlags, print, printText, runWithShell, sayEndLine, type Command, type OutputFlags } from './shell.js'

export function declareInfo(program: Command): void {
  addFileApiOptions(
    program
      .command('info')
      .description("show a file's metadata and download info (region, hosts, expiry); secrets masked")
      .usage('[options] <spaceId> <dentryId>\n       dtdl info [options] <link-or-dentryUuid>')
      .argument('<spaceId>', 'the storage space id, or a link (https://alidocs.dingtalk.com/i/nodes/...) or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id (not with a link)'),
  )
    .option('--show-secrets', 'print the signed URLs and headers in full (they grant access for a while)')
    .option('--json', 'print one JSON object on stdout')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Examples:
  $ dtdl info 123456 7890123                       name, size, version, region, URL hosts (secrets masked)
  $ dtdl info 123456 7890123 --version 2 --json    an older version, as JSON
  $ dtdl info 123456 7890123 --show-secrets        the signed URLs in full (they grant access for a while)
  $ dtdl info https://alidocs.dingtalk.com/i/nodes/<dentryUuid>   a link copied from DingTalk`,
    )
    .action(async (spaceId: string, dentryId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
      const { runInfo } = await import('../tasks/info.js')
      const { formatInfo } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) =>
          runInfo(
            {
              ref,
              ...fileApiFlags(o),
              showSecrets: Boolean(o.showSecrets),
            },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const info = result as import('../tasks/info.js').FileInfo
          if (flags.json) print(JSON.stringify({ ok: true, ...info }))
          else for (const line of formatInfo(info)) printText(line)
          sayEndLine(flags, undefined, info)
        },
      )
    })
}
