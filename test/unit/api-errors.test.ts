// DingTalk API errors: every documented code → exit code and reaction; error bodies and download info parsed.
import { describe, expect, it } from 'vitest'
import { classifyApiError, type ApiErrorAction } from '../../src/dingtalk/api-errors.js'
import { parseDownloadInfo, toApiError } from '../../src/dingtalk/client.js'
import { ApiError, DtdlError } from '../../src/errors.js'

describe('classifyApiError: the codes in dingtalk-api.md', () => {
  it.each<[number, string, number, ApiErrorAction]>([
    // global codes
    [400, 'InvalidAuthentication', 3, 'renew-token'],
    [401, 'Unauthorized', 3, 'renew-token'],
    [400, 'invalidClientIdOrSecret', 3, 'fail'],
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 3, 'fail'],
    [403, 'Forbidden.AccessDenied.IpNotInWhiteList', 3, 'fail'],
    [403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', 3, 'fail'],
    [403, 'Forbidden.AccessDenied.SomethingNew', 3, 'fail'],
    [403, 'Forbidden.AccessDenied.QpsLimitForApi', 5, 'throttled'],
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 5, 'throttled'],
    [403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', 5, 'throttled'],
    [429, 'system.busy', 5, 'transient'],
    [429, 'systemBusy', 5, 'transient'],
    // download info
    [403, 'orgAuthLevelNotEnough', 3, 'fail'],
    [403, 'permissionDenied', 3, 'fail'],
    [400, 'paramError', 2, 'fail'],
    [400, 'paramError.spaceId', 2, 'fail'],
    [400, 'paramError.dentryId', 2, 'fail'],
    [400, 'operationNotSupported', 2, 'fail'],
    [400, 'dentryDownloadProtocolNotSupport', 5, 'fail'],
    [400, 'fileArchived', 5, 'archived'],
    [404, 'spaceNotExist', 4, 'fail'],
    [404, 'dentryNotExist', 4, 'fail'],
    [500, 'systemError', 5, 'transient'],
    [500, 'unknownError', 5, 'transient'],
    [503, 'operationTimeout', 5, 'transient'],
    // unknown codes fall back on the status
    [429, 'SomethingElse', 5, 'transient'],
    [401, 'HTTP_401', 3, 'renew-token'],
    [403, 'IpBlocked', 3, 'fail'],
    [404, 'HTTP_404', 4, 'fail'],
    [500, 'HTTP_500', 5, 'transient'],
    [502, 'HTTP_502', 5, 'transient'],
    [503, 'whatever', 5, 'transient'],
    [400, 'neverSeenBefore', 5, 'fail'],
  ])('%d %s → exit %d, %s', (status, code, exitCode, action) => {
    const cls = classifyApiError(status, code)
    expect(cls.exitCode).toBe(exitCode)
    expect(cls.action).toBe(action)
  })

  it.each<[string, string, { unionId?: string; requiredScopes?: string[]; what?: string }, string[], string[]]>([
    [
      'scopes named when given',
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      { requiredScopes: ['Storage.File.Read', 'Storage.X'] },
      ['Storage.File.Read, Storage.X'],
      [],
    ],
    [
      'default scopes when none given',
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      {},
      ['Storage.DownloadInfo.Read'],
      [],
    ],
    [
      'empty scopes → default text',
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      { requiredScopes: [] },
      ['Storage.DownloadInfo.Read'],
      [],
    ],
    ['unionId named', 'permissionDenied', { unionId: 'u-42' }, ['unionId u-42', '-u'], []],
    ['no unionId, no placeholder', 'permissionDenied', {}, ['may not download'], ['unionId undefined', 'with unionId']],
    [
      'listing: the folder, not a download',
      'permissionDenied',
      { what: 'listing a folder' },
      ['may not list this folder', 'share the folder'],
      ['download'],
    ],
    [
      'file details: reading, not a download',
      'permissionDenied',
      { what: 'getting file details' },
      ['may not read this file'],
      ['download'],
    ],
    [
      'download info: a download',
      'permissionDenied',
      { what: 'getting download info' },
      ['may not download this file', 'share the file'],
      [],
    ],
    ['folder hint', 'operationNotSupported', {}, ['-r'], []],
    [
      'versions of a folder: no -r, which versions does not have',
      'operationNotSupported',
      { what: 'listing versions' },
      ['only a file has versions', '`dtdl ls` lists its files'],
      ['-r'],
    ],
    ['archive hint', 'fileArchived', {}, ['--archive-wait'], []],
  ])('hint: %s', (_, code, context, contains, lacks) => {
    const hint = classifyApiError(403, code, context).hint ?? ''
    for (const s of contains) expect(hint).toContain(s)
    for (const s of lacks) expect(hint).not.toContain(s)
  })
})

describe('toApiError', () => {
  const json = (body: unknown) => JSON.stringify(body)
  it.each<[string, number, Record<string, string>, string, string, number, string | undefined]>([
    [
      'JSON code, request id from header',
      404,
      { 'x-acs-request-id': 'hdr-1' },
      json({ code: 'dentryNotExist', requestid: 'body-1', message: 'no such file' }),
      'dentryNotExist',
      4,
      'hdr-1',
    ],
    [
      'JSON code, request id from body',
      404,
      {},
      json({ code: 'spaceNotExist', requestid: 'body-2', message: 'x' }),
      'spaceNotExist',
      4,
      'body-2',
    ],
    ['JSON code, no request id', 400, {}, json({ code: 'paramError' }), 'paramError', 2, undefined],
    [
      'JSON throttled',
      403,
      {},
      json({ code: 'Forbidden.AccessDenied.QpsLimitForApi' }),
      'Forbidden.AccessDenied.QpsLimitForApi',
      5,
      undefined,
    ],
    [
      'HTML 403 block page',
      403,
      { 'x-acs-request-id': 'hdr-3' },
      '<html><body>blocked</body></html>',
      'IpBlocked',
      3,
      'hdr-3',
    ],
    ['HTML 403 with leading space', 403, {}, '\n  <!DOCTYPE html><html></html>', 'IpBlocked', 3, undefined],
    ['HTML 502', 502, {}, '<html>bad gateway</html>', 'HTTP_502', 5, undefined],
    ['plain text 500', 500, {}, 'oops', 'HTTP_500', 5, undefined],
    ['empty 401', 401, {}, '', 'HTTP_401', 3, undefined],
    ['JSON without code', 400, {}, json({ message: 'x' }), 'HTTP_400', 5, undefined],
    ['JSON null', 503, {}, 'null', 'HTTP_503', 5, undefined],
    ['JSON with numeric code', 500, {}, json({ code: 500 }), 'HTTP_500', 5, undefined],
  ])('%s', (_, status, headers, text, code, exitCode, requestId) => {
    const err = toApiError({ status, headers, text }, 'getting download info')
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe(code)
    expect(err.exitCode).toBe(exitCode)
    expect(err.status).toBe(status)
    expect(err.requestId).toBe(requestId)
    expect(err.message).toContain('getting download info failed')
  })

  it.each<[string, string, string[]]>([
    ['message carried', json({ code: 'permissionDenied', message: 'no access' }), ['permissionDenied: no access']],
    [
      'code stands in for a missing message',
      json({ code: 'permissionDenied' }),
      ['permissionDenied: permissionDenied'],
    ],
  ])('message: %s', (_, text, contains) => {
    const err = toApiError({ status: 403, headers: {}, text }, 'x')
    for (const s of contains) expect(err.message).toContain(s)
  })

  it.each<[string, string, string | undefined, string]>([
    [
      'requiredScopes reach the hint',
      json({
        code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
        accessdenieddetail: { requiredScopes: ['Storage.File.Read'] },
      }),
      undefined,
      'Storage.File.Read',
    ],
    ['unionId reaches the hint', json({ code: 'permissionDenied' }), 'u-77', 'unionId u-77'],
    ['HTML block page hint says wait', '<html></html>', undefined, 'wait 5 minutes'],
  ])('hint: %s', (_, text, unionId, contains) => {
    expect(toApiError({ status: 403, headers: {}, text }, 'x', unionId).hint).toContain(contains)
  })
})

describe('parseDownloadInfo', () => {
  const ok = (info: Record<string, unknown>) => ({
    protocol: 'HEADER_SIGNATURE',
    headerSignatureInfo: { resourceUrls: ['https://a.test/o'], ...info },
  })

  it.each<[string, { protocol?: string; headerSignatureInfo?: Record<string, unknown> }, string]>([
    ['no protocol', {}, 'UNSUPPORTED_PROTOCOL'],
    [
      'another protocol',
      { protocol: 'URL_SIGNATURE', headerSignatureInfo: { resourceUrls: ['https://a.test'] } },
      'UNSUPPORTED_PROTOCOL',
    ],
    [
      'lower-case protocol',
      { protocol: 'header_signature', headerSignatureInfo: { resourceUrls: ['https://a.test'] } },
      'UNSUPPORTED_PROTOCOL',
    ],
    ['no headerSignatureInfo', { protocol: 'HEADER_SIGNATURE' }, 'UNSUPPORTED_PROTOCOL'],
    ['empty resourceUrls', ok({ resourceUrls: [] }), 'BAD_RESPONSE'],
    ['resourceUrls missing', { protocol: 'HEADER_SIGNATURE', headerSignatureInfo: {} }, 'BAD_RESPONSE'],
    ['resourceUrls not an array', ok({ resourceUrls: 'https://a.test' }), 'BAD_RESPONSE'],
    ['only empty and non-string URLs', ok({ resourceUrls: ['', 42, null] }), 'BAD_RESPONSE'],
    ['a number among the URLs', ok({ resourceUrls: ['https://b.test', 3] }), 'BAD_RESPONSE'],
    ['a file: URL', ok({ resourceUrls: ['file:///etc/passwd'] }), 'BAD_RESPONSE'],
    ['a data: URL', ok({ resourceUrls: ['data:text/plain,hi'] }), 'BAD_RESPONSE'],
    ['not a URL', ok({ resourceUrls: ['not a url'] }), 'BAD_RESPONSE'],
    ['a file: intranet URL', ok({ internalResourceUrls: ['file:///x'] }), 'BAD_RESPONSE'],
    ['headers not an object', ok({ headers: 'nope' }), 'BAD_RESPONSE'],
    ['a header value with a line break', ok({ headers: { Authorization: 'a\r\nX-Evil: 1' } }), 'BAD_RESPONSE'],
    ['a header name with a space', ok({ headers: { 'bad name': 'x' } }), 'BAD_RESPONSE'],
    ['a header value that is an object', ok({ headers: { a: { b: 1 } } }), 'BAD_RESPONSE'],
  ])('%s → %s', (_, raw, code) => {
    let caught: unknown
    try {
      parseDownloadInfo(raw)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(DtdlError)
    expect((caught as DtdlError).code).toBe(code)
    expect((caught as DtdlError).exitCode).toBe(5)
  })

  it.each<[string, Record<string, unknown>, Partial<ReturnType<typeof parseDownloadInfo>>]>([
    [
      'defaults',
      {},
      { resourceUrls: ['https://a.test/o'], headers: {}, expirationSeconds: 900, region: 'UNKNOWN', issuedAt: 1234 },
    ],
    [
      'headers copied as strings',
      { headers: { Authorization: 'OSS a:b', 'x-oss-date': 'Tue', 'x-n': 7, 'x-b': true } },
      { headers: { Authorization: 'OSS a:b', 'x-oss-date': 'Tue', 'x-n': '7', 'x-b': 'true' } },
    ],
    ['an http URL is fine', { resourceUrls: ['http://b.test/o'] }, { resourceUrls: ['http://b.test/o'] }],
    ['null header values dropped', { headers: { a: null, b: 'x' } }, { headers: { b: 'x' } }],
    ['expirationSeconds kept', { expirationSeconds: 60 }, { expirationSeconds: 60 }],
    ['expirationSeconds 0 → 900', { expirationSeconds: 0 }, { expirationSeconds: 900 }],
    ['expirationSeconds negative → 900', { expirationSeconds: -5 }, { expirationSeconds: 900 }],
    ['expirationSeconds as string → 900', { expirationSeconds: '60' }, { expirationSeconds: 900 }],
    ['region kept', { region: 'ZHANGJIAKOU' }, { region: 'ZHANGJIAKOU' }],
    [
      'URLs in order, empty ones dropped',
      { resourceUrls: ['https://b.test', '', null, 'https://c.test'] },
      { resourceUrls: ['https://b.test', 'https://c.test'] },
    ],
  ])('%s', (_, info, expected) => {
    const got = parseDownloadInfo(ok(info), 1234)
    // Field by field with toEqual: toMatchObject would let `{}` match any headers.
    for (const [key, value] of Object.entries(expected)) expect(got[key as keyof typeof got]).toEqual(value)
  })
})
