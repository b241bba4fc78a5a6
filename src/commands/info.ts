// `dtdl info`: a file's metadata and download info, secrets masked unless asked.
import { parseFileArgs } from '../dingtalk/dentry-ref.js'
import { resolveOptions } from '../config/option-values.js'
import { print, printText, runWithShell, sayEndLine, type Command, type OutputFlags } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareInfo(program: Command): void {
  addDeclaredOptions(
    program
      .command('info')
      .description("show a file's metadata and download info (region, hosts, expiry); secrets masked")
      .usage('[options] <spaceId> <dentryId>\n       dtdl info [options] <link-or-dentryUuid>')
      .argument('<spaceId>', 'the storage space id, or a link (https://alidocs.dingtalk.com/i/nodes/...) or dentryUuid')
      .argument('[dentryId]', 'the file (dentry) id (not with a link)'),
    'info',
  ).action(async (spaceId: string, dentryId: string | undefined, o: Record<string, unknown>) => {
    const values = declaredValues('info', o)
    const flags = values as OutputFlags
    const ref = parseFileArgs(spaceId, dentryId, '<spaceId> <dentryId>, or a link')
    const { runInfo } = await import('../tasks/info.js')
    const { formatInfo } = await import('../output/listing.js')
    await runWithShell(
      flags,
      (ctx) => runInfo({ ...resolveOptions('info', values, 'cli'), ref }, { env: process.env, ...ctx }),
      (result) => {
        const info = result as import('../tasks/info.js').FileInfo
        if (flags.json) print(JSON.stringify({ ok: true, ...info }))
        else for (const line of formatInfo(info)) printText(line)
        sayEndLine(flags, undefined, info)
      },
    )
  })
}
