// `dtdl spaces`: the knowledge bases the operator can see, with the rootNodeId that `ls` and `get -r` take.
import { resolveOptions } from '../config/option-values.js'
import { print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareSpaces(program: Command): void {
  addDeclaredOptions(
    program
      .command('spaces')
      .description('list the knowledge bases (wiki workspaces) the operator can see: type, rootNodeId, name'),
    'spaces',
  ).action(async (o: Record<string, unknown>) => {
    const values = declaredValues('spaces', o)
    const flags = values as OutputFlags
    const { runSpaces } = await import('../tasks/spaces.js')
    const { formatSpaces } = await import('../output/listing.js')
    await runWithShell(
      flags,
      (ctx) => runSpaces(resolveOptions('spaces', values, 'cli'), { env: process.env, ...ctx }),
      (result) => {
        const spaces = result as import('../tasks/spaces.js').SpaceEntry[]
        if (flags.json) print(JSON.stringify({ ok: true, spaces }))
        else for (const line of formatSpaces(spaces)) printText(line)
      },
    )
  })
}
