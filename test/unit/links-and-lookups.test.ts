// Pure pieces of issue 13: link parsing, the operator's resolution order, oapi errcodes, URL order, caches, error keys.
import { describe, expect, it } from 'vitest'
import { looksLikeDentryUuid, parseDentryLink, parseFileArgs, parseListArgs } from '../../src/dingtalk/dentry-ref.js'
import { resolveOperator, resolveSettings } from '../../src/config/settings.js'
import { classifyOapiError } from '../../src/dingtalk/oapi-user.js'
import { candidateUrls } from '../../src/engine/signed-url-source.js'
import { userCacheKey, withEntry } from '../../src/config/lookup-cache.js'
import { readErrorBody } from '../../src/dingtalk/client.js'
import { dentryKind, missingFields } from '../../src/dingtalk/folder-walk.js'
import { looksLikeMobile } from '../../src/tasks/user.js'
import { DtdlError } from '../../src/errors.js'
import { parseInputFile } from '../../src/batch/input-file.js'

const UUID = 'R1zknDm0WR6XzZ4Lt1Q7MNEyWBQEx5rG'

describe('parseDentryLink', () => {
  it.each<[string, string, string | undefined]>([
    ['a node link', `https://alidocs.dingtalk.com/i/nodes/${UUID}`, UUID],
    ['with a query string', `https://alidocs.dingtalk.com/i/nodes/${UUID}?utm_scene=team_space&iframeQuery=x`, UUID],
    ['with a fragment', `https://alidocs.dingtalk.com/i/nodes/${UUID}#heading-3`, UUID],
    ['with a trailing slash', `https://alidocs.dingtalk.com/i/nodes/${UUID}/`, UUID],
    ['http and upper-case host', `http://AliDocs.DingTalk.com/i/nodes/${UUID}`, UUID],
    ['without a scheme', `alidocs.dingtalk.com/i/nodes/${UUID}?a=b`, UUID],
    ['surrounding spaces', `  https://alidocs.dingtalk.com/i/nodes/${UUID}  `, UUID],
    ['a bare dentryUuid', UUID, UUID],
    ['a numeric id is not one', '20366474958', undefined],
    ['a short id is not one', 'demo-space', undefined],
    ['an id with a dash is not one', 'abcdefghij-klmnopqrstuvwxyz', undefined],
  ])('%s', (_what, text, expected) => expect(parseDentryLink(text)).toBe(expected))

  it.each<[string, string, string, RegExp]>([
    ['a short share link', 'https://alidocs.dingtalk.com/i/p/Y7kmbokZp3pgGLq2', 'SHORT_LINK', /\/i\/nodes\//],
    [
      "a knowledge base's overview",
      'https://alidocs.dingtalk.com/i/spaces/abc123/overview',
      'SPACE_LINK',
      /dtdl spaces/,
    ],
    ['another host', 'https://www.dingtalk.com/i/nodes/abc', 'BAD_LINK', /\/i\/nodes\//],
    ['another path', 'https://alidocs.dingtalk.com/i/team/abc/docs', 'BAD_LINK', /\/i\/nodes\//],
    [
      'a node link with more after the id',
      `https://alidocs.dingtalk.com/i/nodes/${UUID}/extra`,
      'BAD_LINK',
      /browser bar/,
    ],
    ['an ftp URL', 'ftp://alidocs.dingtalk.com/i/nodes/abc', 'BAD_LINK', /browser bar/],
  ])('%s is a usage error that says what to copy', (_what, text, code, hint) => {
    let error: unknown
    try {
      parseDentryLink(text)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DtdlError)
    expect(error).toMatchObject({ code, exitCode: 2 })
    expect((error as DtdlError).hint).toMatch(hint)
  })

  it.each<[string, boolean]>([
    [UUID, true],
    ['a'.repeat(32), true],
    ['1'.repeat(32), false],
    ['abc', false],
    ['has space in it and is long enough', false],
  ])('looksLikeDentryUuid(%j) is %s', (text, expected) => expect(looksLikeDentryUuid(text)).toBe(expected))
})

describe('parseFileArgs / parseListArgs', () => {
  it.each<[string | undefined, string | undefined, unknown]>([
    ['123', '456', { kind: 'ids', spaceId: '123', dentryId: '456' }],
    [`https://alidocs.dingtalk.com/i/nodes/${UUID}?x=1`, undefined, { kind: 'uuid', dentryUuid: UUID }],
    [UUID, undefined, { kind: 'uuid', dentryUuid: UUID }],
  ])('get %s %s', (a, b, expected) => expect(parseFileArgs(a, b, '<spaceId> <dentryId>')).toEqual(expected))

  it.each<[string | undefined, string | undefined, RegExp]>([
    [undefined, undefined, /missing/],
    ['123', undefined, /missing <dentryId> after "123"/],
    [UUID, '456', /names the file by itself/],
  ])('get %s %s is a usage error', (a, b, message) =>
    expect(() => parseFileArgs(a, b, '<spaceId> <dentryId>')).toThrow(message),
  )

  it.each<[string, string | undefined, unknown]>([
    ['demo-space', undefined, { kind: 'space', spaceId: 'demo-space' }],
    ['123', '0', { kind: 'ids', spaceId: '123', dentryId: '0' }],
    [UUID, undefined, { kind: 'uuid', dentryUuid: UUID }],
  ])('ls %s %s', (a, b, expected) => expect(parseListArgs(a, b)).toEqual(expected))
})

describe('the operator: flags > env > config; within a level a unionId wins', () => {
  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, unknown]>([
    ['nothing', {}, {}, {}, undefined],
    ['-u', { unionId: 'u' }, { DINGTALK_USER_ID: 'e' }, {}, { kind: 'unionId', value: 'u' }],
    ['--user-id beats env unionId', { userId: 'x' }, { DINGTALK_UNION_ID: 'u' }, {}, { kind: 'userId', value: 'x' }],
    ['--mobile', { mobile: '13800000000' }, {}, { unionId: 'c' }, { kind: 'mobile', value: '13800000000' }],
    [
      'env unionId beats env userid',
      {},
      { DINGTALK_UNION_ID: 'u', DINGTALK_USER_ID: 'x' },
      {},
      { kind: 'unionId', value: 'u' },
    ],
    [
      'env userid beats config unionId',
      {},
      { DINGTALK_USER_ID: 'x' },
      { unionId: 'c' },
      { kind: 'userId', value: 'x' },
    ],
    ['config userId', {}, {}, { userId: 'cu' }, { kind: 'userId', value: 'cu' }],
    [
      'blank values do not count',
      { unionId: ' ' },
      { DINGTALK_USER_ID: '' },
      { userId: 'cu' },
      { kind: 'userId', value: 'cu' },
    ],
  ])('%s', (_what, flags, env, store, expected) => expect(resolveOperator(flags, env, store)).toEqual(expected))

  it('two operator flags are a usage error', () =>
    expect(() => resolveOperator({ unionId: 'u', mobile: '1' }, {}, {})).toThrow(/-u and --mobile/))

  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, string]>([
    ['the default', {}, {}, {}, 'https://oapi.dingtalk.com'],
    ['--endpoint points both hosts at one place', { endpoint: 'http://127.0.0.1:9/' }, {}, {}, 'http://127.0.0.1:9'],
    ['DTDL_ENDPOINT too', {}, { DTDL_ENDPOINT: 'http://emu:1' }, {}, 'http://emu:1'],
    ['config endpoint too', {}, {}, { endpoint: 'http://conf:2' }, 'http://conf:2'],
    [
      'DTDL_OAPI_ENDPOINT wins',
      { endpoint: 'http://a:1' },
      { DTDL_OAPI_ENDPOINT: 'http://oapi:3/' },
      {},
      'http://oapi:3',
    ],
  ])('oapi host: %s', (_what, flags, env, store, expected) =>
    expect(resolveSettings({ flags, env, store }).oapiEndpoint).toBe(expected),
  )
})

describe('classifyOapiError', () => {
  it.each<[string, Record<string, unknown>, string, number, RegExp]>([
    ['no such user', { errcode: 60121, errmsg: '找不到该用户' }, 'userNotFound', 4, /no such user/],
    ['a bad mobile', { errcode: 40104, errmsg: '无效的手机号' }, 'invalidMobile', 2, /mobile number is not valid/],
    [
      'a bad token',
      { errcode: 40014, errmsg: '不合法的access_token' },
      'InvalidAuthentication',
      3,
      /token was refused/,
    ],
    [
      'a permission named in sub_msg',
      { errcode: 88, sub_code: '60011', sub_msg: '应用尚未开通所需的权限：[qyapi_get_member]' },
      'userQueryPermissionDenied',
      3,
      /lacks the permission qyapi_get_member /,
    ],
    [
      "errcode 60011 without a name: the route's own",
      { errcode: 60011, errmsg: 'no permission' },
      'userQueryPermissionDenied',
      3,
      /qyapi_fallback/,
    ],
    ['anything else', { errcode: -1, errmsg: '系统繁忙' }, 'oapi.-1', 5, /errcode -1: 系统繁忙/],
  ])('%s', (_what, answer, code, exitCode, message) => {
    const err = classifyOapiError(answer, 'looking up', 'qyapi_fallback')
    expect(err).toMatchObject({ code, exitCode })
    expect(err.message).toMatch(message)
  })
})

describe('candidateUrls: intranet first only when asked for and offered', () => {
  const info = (preferIntranet: boolean | undefined, internal: string[]) => ({
    resourceUrls: ['https://a/x', 'https://b/x'],
    internalResourceUrls: internal,
    preferIntranet,
  })
  it.each<[string, ReturnType<typeof info>, string[]]>([
    ['asked and offered', info(true, ['http://in/x']), ['http://in/x', 'https://a/x', 'https://b/x']],
    ['asked, none offered', info(true, []), ['https://a/x', 'https://b/x']],
    ['offered, not asked', info(undefined, ['http://in/x']), ['https://a/x', 'https://b/x']],
    ['offered, --no-intranet', info(false, ['http://in/x']), ['https://a/x', 'https://b/x']],
    ['a URL in both lists is tried once', info(true, ['https://b/x']), ['https://b/x', 'https://a/x']],
  ])('%s', (_what, i, expected) => expect(candidateUrls(i)).toEqual(expected))
})

describe('readErrorBody: either case, as the SDK gateway reads it', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'lower case',
      { code: 'x', message: 'm', requestid: 'r', accessdenieddetail: { requiredScopes: ['S'] } },
      { code: 'x', message: 'm', requestId: 'r', requiredScopes: ['S'] },
    ],
    [
      'capitalised',
      { Code: 'x', Message: 'm', RequestId: 'r', AccessDeniedDetail: { requiredScopes: ['S'] } },
      { code: 'x', message: 'm', requestId: 'r', requiredScopes: ['S'] },
    ],
    ['capitalised wins when both are there', { Code: 'X', code: 'x' }, { code: 'X' }],
    ['no code', { message: 'm' }, { message: 'm' }],
    ['a non-string code', { code: 42 }, {}],
  ])('%s', (_what, body, expected) => expect(readErrorBody(body)).toEqual(expected))
})

describe('dentry fields', () => {
  it.each<[unknown, string | undefined]>([
    ['FILE', 'FILE'],
    ['file', 'FILE'],
    ['Folder', 'FOLDER'],
    [undefined, undefined],
    ['LINK', undefined],
    [3, undefined],
  ])('dentryKind(%j) is %s', (type, expected) => expect(dentryKind({ type: type as string })).toBe(expected))

  it.each<[object, string[]]>([
    [{ id: '1', type: 'FILE', name: 'a' }, []],
    [{ id: '1', name: 'a' }, ['type']],
    [{ type: 'file' }, ['id', 'name']],
  ])('missingFields(%j)', (d, expected) => expect(missingFields(d)).toEqual(expected))
})

describe('caches', () => {
  it('withEntry keeps the newest entries and moves a re-set key to the end', () => {
    const a = withEntry({}, 'a', 1, 2)
    const ab = withEntry(a, 'b', 2, 2)
    expect(Object.keys(withEntry(ab, 'c', 3, 2))).toEqual(['b', 'c'])
    expect(Object.keys(withEntry(ab, 'a', 9, 2))).toEqual(['b', 'a'])
  })

  it('user cache keys: host and app apart, a mobile number only as a digest', () => {
    const scope = { oapiEndpoint: 'https://oapi.dingtalk.com', appKey: 'ding1' }
    expect(userCacheKey(scope, { kind: 'userId', value: 'u1' })).not.toBe(
      userCacheKey({ ...scope, appKey: 'ding2' }, { kind: 'userId', value: 'u1' }),
    )
    const key = userCacheKey(scope, { kind: 'mobile', value: '13800000000' })
    expect(key).not.toContain('13800000000')
    expect(key).toBe(userCacheKey(scope, { kind: 'mobile', value: '13800000000' }))
  })

  it.each<[string, boolean]>([
    ['13800000000', true],
    ['+86-138-0000-0000', true],
    ['manager4220', false],
    ['0123456789', false],
    ['267848355426183616', false],
  ])('looksLikeMobile(%j) is %s', (text, expected) => expect(looksLikeMobile(text)).toBe(expected))
})

describe('parseInputFile: lines that name the file by a link or dentryUuid', () => {
  it.each<[string, string, ReturnType<typeof parseInputFile>]>([
    [
      'a link',
      `https://alidocs.dingtalk.com/i/nodes/${UUID}?x=1`,
      { entries: [{ line: 1, spaceId: '', dentryId: '', dentryUuid: UUID }], errors: [] },
    ],
    [
      'a link and an output with spaces',
      `https://alidocs.dingtalk.com/i/nodes/${UUID}  my file.pdf`,
      { entries: [{ line: 1, spaceId: '', dentryId: '', dentryUuid: UUID, output: 'my file.pdf' }], errors: [] },
    ],
    [
      'a dentryUuid and a quoted output',
      `${UUID} " padded "`,
      { entries: [{ line: 1, spaceId: '', dentryId: '', dentryUuid: UUID, output: ' padded ' }], errors: [] },
    ],
    [
      'ids still work beside them',
      `123 456 out\n${UUID}`,
      {
        entries: [
          { line: 1, spaceId: '123', dentryId: '456', output: 'out' },
          { line: 2, spaceId: '', dentryId: '', dentryUuid: UUID },
        ],
        errors: [],
      },
    ],
    [
      'an output of "!x" is just a name',
      `123 456 !x`,
      { entries: [{ line: 1, spaceId: '123', dentryId: '456', output: '!x' }], errors: [] },
    ],
  ])('%s', (_name, text, expected) => expect(parseInputFile(text)).toEqual(expected))

  it('a short share link fails its line with the advice of what to copy; the others stay', () => {
    const r = parseInputFile(`123 456\nhttps://alidocs.dingtalk.com/i/p/abc\n${UUID} "unclosed`)
    expect(r.entries.map((e) => e.line)).toEqual([1])
    expect(r.errors.map((e) => e.line)).toEqual([2, 3])
    expect(r.errors[0]!.message).toMatch(/short share link/)
    expect(r.errors[0]!.hint).toMatch(/\/i\/nodes\//)
    expect(r.errors[1]!.message).toMatch(/no closing quote/)
  })
})
