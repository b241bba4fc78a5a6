// The operator from what people know: --user-id, --mobile, DINGTALK_USER_ID and config userId, through oapi, cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const OTHER = 'union-of-lin'

let world: World
beforeAll(async () => {
  world = await setupWorld({
    unionIds: [DEMO.unionId, OTHER],
    users: [
      { userid: 'manager4220', unionid: DEMO.unionId, name: 'Wang Fang', mobile: '13800000000' },
      { userid: 'lin01', unionid: OTHER, name: 'Lin Tao', mobile: '13900000001' },
    ],
    files: [{ spaceId: SPACE, dentryId: '7', name: 'f.bin', content: randomBytes(3000, 7) }],
  })
})
afterAll(() => world.close())

/** The unionIds the download-info calls were made for: what the emulator saw as the operator. */
const operators = () =>
  world.emulator.stats.apiRequests.filter((r) => r.path.endsWith('/downloadInfos/query')).map((r) => r.query.unionId)
const oapiPaths = () => world.emulator.stats.apiRequests.filter((r) => r.path.startsWith('/topapi/')).map((r) => r.path)
/** Each case gets its own config store, so caches do not carry over between them. */
const fresh = (name: string, extra: Record<string, string | undefined> = {}) => ({
  DINGTALK_UNION_ID: undefined,
  DTDL_CONFIG_DIR: join(world.dir, `config-${name}`),
  ...extra,
})

describe('--user-id and --mobile', () => {
  it("--user-id reaches that user's unionId; a second run makes no oapi call", async () => {
    world.emulator.resetStats()
    const env = fresh('userid')
    const first = await world.run(['get', SPACE, '7', '-o', 'u1.bin', '--user-id', 'lin01'], env)
    expect(first.code, first.stderr).toBe(0)
    expect(operators()).toEqual([OTHER])
    expect(oapiPaths()).toEqual(['/topapi/v2/user/get'])
    world.emulator.resetStats()
    const second = await world.run(['get', SPACE, '7', '-o', 'u2.bin', '--user-id', 'lin01'], env)
    expect(second.code, second.stderr).toBe(0)
    expect(operators()).toEqual([OTHER])
    expect(world.emulator.stats.oapiCalls).toBe(0)
  })

  it('--mobile goes mobile → userid → unionId once, then from the cache', async () => {
    world.emulator.resetStats()
    const env = fresh('mobile')
    const first = await world.run(['ls', SPACE, '--mobile', '13900000001', '--json'], env)
    expect(first.code, first.stderr).toBe(0)
    expect(oapiPaths()).toEqual(['/topapi/v2/user/getbymobile', '/topapi/v2/user/get'])
    const listed = world.emulator.stats.apiRequests.filter((r) => r.path === `/v1.0/storage/spaces/${SPACE}/dentries`)
    expect(listed.map((r) => r.query.unionId)).toEqual([OTHER])
    world.emulator.resetStats()
    const second = await world.run(['get', SPACE, '7', '-o', 'm.bin', '--mobile', '13900000001'], env)
    expect(second.code, second.stderr).toBe(0)
    expect(operators()).toEqual([OTHER])
    expect(world.emulator.stats.oapiCalls).toBe(0)
  })

  it('DINGTALK_USER_ID and config userId name the operator too; a flag beats them', async () => {
    world.emulator.resetStats()
    const byEnv = await world.run(['get', SPACE, '7', '-o', 'e.bin'], fresh('env', { DINGTALK_USER_ID: 'lin01' }))
    expect(byEnv.code, byEnv.stderr).toBe(0)
    const env = fresh('config')
    expect((await world.run(['config', 'set', 'userId', 'lin01'], env)).code).toBe(0)
    const byConfig = await world.run(['get', SPACE, '7', '-o', 'c.bin'], env)
    expect(byConfig.code, byConfig.stderr).toBe(0)
    const byFlag = await world.run(['get', SPACE, '7', '-o', 'f.bin', '--user-id', 'manager4220'], env)
    expect(byFlag.code, byFlag.stderr).toBe(0)
    expect(operators()).toEqual([OTHER, OTHER, DEMO.unionId])
  })

  it('an unknown userid or mobile exits 4 (errcode 60121); two operator flags exit 2', async () => {
    const unknown = await world.run(['get', SPACE, '7', '--user-id', 'nobody'], fresh('unknown'))
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toMatch(/no such user \(errcode 60121/)
    const mobile = await world.run(['ls', SPACE, '--mobile', '13000000009'], fresh('unknown-m'))
    expect(mobile.code).toBe(4)
    world.emulator.resetStats()
    const both = await world.run(['get', SPACE, '7', '-u', DEMO.unionId, '--user-id', 'lin01'], fresh('both'))
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/-u and --user-id both name the operator/)
    expect(world.emulator.stats.apiRequests).toHaveLength(0)
  })

  it('errcode 40014 (a stale token) renews the token once and goes on', async () => {
    world.emulator.setFaults({
      apiError: { api: 'userGet', code: '40014', status: 200, times: 1, message: '不合法的access_token' },
    })
    world.emulator.resetStats()
    const r = await world.run(['get', SPACE, '7', '-o', 'r.bin', '--user-id', 'lin01'], fresh('renew'))
    world.emulator.setFaults({})
    expect(r.code, r.stderr).toBe(0)
    expect(oapiPaths()).toEqual(['/topapi/v2/user/get', '/topapi/v2/user/get'])
    expect(world.emulator.stats.tokenMints).toBe(2)
    expect(operators()).toEqual([OTHER])
  })

  it('a missing permission exits 3 and names it', async () => {
    world.emulator.setFaults({ denyUserQuery: true })
    const r = await world.run(['get', SPACE, '7', '--user-id', 'lin01'], fresh('deny'))
    const m = await world.run(['get', SPACE, '7', '--mobile', '13900000001'], fresh('deny-m'))
    world.emulator.setFaults({})
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/lacks the permission qyapi_get_member /)
    expect(m.code).toBe(3)
    expect(m.stderr).toMatch(/qyapi_get_member_by_mobile/)
  })

  it('the oapi host follows DTDL_OAPI_ENDPOINT when set (here: nothing listens there, exit 5)', async () => {
    const r = await world.run(
      // One retry: a refused connection is retried with backoff, as every call is; five would only take longer.
      ['get', SPACE, '7', '--user-id', 'lin01', '--retries', '1'],
      fresh('oapi-host', { DTDL_OAPI_ENDPOINT: 'http://127.0.0.1:1' }),
    )
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/)
  })
})

describe('dtdl user', () => {
  it('prints the name, userid and unionId of a userid or mobile number; JSON says when it came from the cache', async () => {
    const env = fresh('user-cmd')
    const people = await world.run(['user', 'lin01'], env)
    expect(people.code, people.stderr).toBe(0)
    expect(people.stdout).toMatch(/name\s+Lin Tao/)
    expect(people.stdout).toMatch(/userid\s+lin01/)
    expect(people.stdout).toMatch(new RegExp(`unionId\\s+${OTHER}`))
    world.emulator.resetStats()
    const json = await world.run(['user', '13800000000', '--json'], env)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      name: 'Wang Fang',
      userId: 'manager4220',
      unionId: DEMO.unionId,
      cached: false,
    })
    const again = await world.run(['user', '13800000000', '--json'], env)
    expect(JSON.parse(again.stdout)).toMatchObject({ unionId: DEMO.unionId, cached: true })
    expect(world.emulator.stats.oapiCalls).toBe(2)
    const unknown = await world.run(['user', 'ghost'], env)
    expect(unknown.code).toBe(4)
  })

  it('keeps the access token out of --verbose lines (it rides in the oapi query)', async () => {
    const r = await world.run(['user', 'lin01', '--verbose'], fresh('verbose'))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/topapi\/v2\/user\/get\?access_token=\*\*\*/)
  })
})
