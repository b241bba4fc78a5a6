// `dtdl user <userid|mobile>`: a member's name, userid and unionId, through the old-style API (cached).
import { UsageError } from '../errors.js'
import { print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'

export function declareUser(program: Command): void {
  program
    .command('user')
    .description("show a member's name, userid and unionId, from a userid or a mobile number (looked up once, then cached)")
    .argument('<userid-or-mobile>', 'a userid (admin console > Contacts), or a mobile number')
    .option('--user-id', 'the argument is a userid, even if it looks like a mobile number')
    .option('--mobile', 'the argument is a mobile number')
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint); user lookups go to DTDL_OAPI_ENDPOINT when set')
    .option('--json', 'print one JSON object: {"ok": true, "name", "userId", "unionId", "cached"}')
    .option('-v, --verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Examples:
  $ dtdl user manager4220                          a userid: name, userid, unionId
  $ dtdl user 13800000000                          a mobile number
  $ export DINGTALK_UNION_ID=$(dtdl user manager4220 --json | jq -r .unionId)`,
    )
    .action(async (who: string, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      if (o.userId && o.mobile) throw new UsageError('--user-id and --mobile contradict each other: give one', { code: 'BAD_OPTION' })
      const { runUser } = await import('../tasks/user.js')
      const { formatUser } = await import('../output/listing.js')
      await runWithShell(
        flags,
        (ctx) => runUser({ who, as: o.mobile ? 'mobile' : o.userId ? 'userId' : undefined, endpoint: o.endpoint as string | undefined }, { env: process.env, ...ctx }),
        (result) => {
          const user = result as import('../tasks/user.js').UserInfo
          if (flags.json) print(JSON.stringify({ ok: true, ...user }))
          else for (const line of formatUser(user)) printText(line)
        },
      )
    })
}
