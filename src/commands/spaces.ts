// `dtdl spaces`: the knowledge bases the operator can see, with the rootNodeId that `ls` and `get -r` take.
import { addOperatorOptions, operatorFlags, print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'

export function declareSpaces(program: Command): void {
  addOperatorOptions(
    program.command('spaces').description('list the knowledge bases (wiki workspaces) the operator can see: type, rootNodeId, name'),
  )
    .option('--json', 'print one JSON object: {"ok": true, "spaces": [{name, type, workspaceId, rootNodeId, url}]}')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Then: dtdl ls <rootNodeId>, or dtdl get <rootNodeId> -r -o <dir>

Examples:
  $ dtdl spaces                                    name, type, rootNodeId of each knowledge base
  $ dtdl spaces --json | jq -r '.spaces[].rootNodeId'`,
    )
    .action(async (o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const { runSpaces } = await import('../tasks/spaces.js')
      const { formatSpaces } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) => runSpaces(operatorFlags(o), { env: process.env, ...ctx }),
        (result) => {
          const spaces = result as import('../tasks/spaces.js').SpaceEntry[]
          if (flags.json) print(JSON.stringify({ ok: true, spaces }))
          else for (const line of formatSpaces(spaces)) printText(line)
        },
      )
    })
}
