// `dtdl user <userid|mobile>`: a member's name, userid and unionId, through the old-style API (cached).
import { UsageError } from '../errors.js'
import { print, printText, runWithShell, type Command, type OutputFlags } from './shell.js'
import { addDeclaredOptions, declaredValues } from './declared.js'

export function declareUser(program: Command): void {
  addDeclaredOptions(
    program
      .command('user')
      .description(
        "show a member's name, userid and unionId, from a userid or a mobile number (looked up once, then cached)",
      )
      .argument('<userid-or-mobile>', 'a userid (admin console > Contacts), or a mobile number'),
    'user',
  ).action(async (who: string, o: Record<string, unknown>) => {
    const values = declaredValues('user', o)
    const flags = values as OutputFlags
    if (values.isUserId && values.isMobile)
      throw new UsageError('--user-id and --mobile contradict each other: give one', { code: 'BAD_OPTION' })
    const { runUser } = await import('../tasks/user.js')
    const { formatUser } = await import('../output/listing.js')
    await runWithShell(
      flags,
      (ctx) =>
        runUser(
          {
            who,
            as: values.isMobile ? 'mobile' : values.isUserId ? 'userId' : undefined,
            endpoint: values.endpoint as string | undefined,
          },
          { env: process.env, ...ctx },
        ),
      (result) => {
        const user = result as import('../tasks/user.js').UserInfo
        if (flags.json) print(JSON.stringify({ ok: true, ...user }))
        else for (const line of formatUser(user)) printText(line)
      },
    )
  })
}
