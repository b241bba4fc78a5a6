// Tests of the emulator itself: real HTTP requests against an instance on an ephemeral port.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc64 } from '../src/crc64/crc64.js'
import { DEMO, startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js'

interface SignatureInfo {
  resourceUrls: string[]
  headers: Record<string, string>
  expirationSeconds: number
  region: string
  internalResourceUrls: string[]
}

let emu: Emulator | undefined
afterEach(async () => {
  await emu?.close()
  emu = undefined
})

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({ quiet: true, ...options })
  return emu
}

function callApi(
  e: Emulator,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== null) headers['x-acs-dingtalk-access-token'] = options.token ?? DEMO.accessToken
  let body: string | undefined = options.rawBody
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  return fetch(`${e.url}${path}`, body === undefined ? { method, headers } : { method, headers, body })
}

function queryDownloadInfo(
  e: Emulator,
  dentryId = '10001',
  body: unknown = {},
  options: { spaceId?: string; unionId?: string | null } = {},
): Promise<Response> {
  const union = options.unionId === null ? '' : `?unionId=${options.unionId ?? DEMO.unionId}`
  return callApi(
    e,
    'POST',
    `/v1.0/storage/spaces/${options.spaceId ?? DEMO.spaceId}/dentries/${dentryId}/downloadInfos/query${union}`,
    { body },
  )
}

async function getSignatureInfo(
  e: Emulator,
  dentryId = '10001',
  body: unknown = {},
  spaceId = DEMO.spaceId,
): Promise<SignatureInfo> {
  const res = await queryDownloadInfo(e, dentryId, body, { spaceId })
  expect(res.status).toBe(200)
  return ((await res.json()) as { headerSignatureInfo: SignatureInfo }).headerSignatureInfo
}

function getResource(
  info: SignatureInfo,
  extra: Record<string, string> = {},
  options: { urlIndex?: number; method?: string } = {},
): Promise<Response> {
  return fetch(info.resourceUrls[options.urlIndex ?? 0]!, {
    method: options.method ?? 'GET',
    headers: { ...info.headers, ...extra },
  })
}

async function expectApiError(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status)
  const body = (await res.json()) as Record<string, unknown>
  expect(body.code).toBe(code)
  expect(body.requestid).toBe(res.headers.get('x-acs-request-id'))
  expect(res.headers.get('x-acs-trace-id')).toBeTruthy()
  return body
}

async function expectXmlError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/xml')
  expect(res.headers.get('x-oss-request-id')).toBeTruthy()
  expect(res.headers.get('x-oss-ec')).toBeTruthy()
  const text = await res.text()
  if (res.status !== 0 && text !== '') {
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/)
    expect(text).toContain(`<Code>${code}</Code>`)
    expect(text).toContain(`<RequestId>${res.headers.get('x-oss-request-id')}</RequestId>`)
  }
}

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff)

describe('access token', () => {
  it('mints a token, reuses it while valid, rejects wrong credentials and form bodies', async () => {
    const e = await start()
    const mint = (appSecret: string) =>
      callApi(e, 'POST', '/v1.0/oauth2/accessToken', { token: null, body: { appKey: DEMO.appKey, appSecret } })
    const first = (await (await mint(DEMO.appSecret)).json()) as { accessToken: string; expireIn: number }
    expect(first.accessToken).toMatch(/^[0-9a-f]{32}$/)
    expect(first.expireIn).toBeGreaterThan(7190)
    const second = (await (await mint(DEMO.appSecret)).json()) as { accessToken: string }
    expect(second.accessToken).toBe(first.accessToken)
    expect(e.stats.tokenMints).toBe(2)
    await expectApiError(await mint('wrong'), 400, 'invalidClientIdOrSecret')
    const form = await callApi(e, 'POST', '/v1.0/oauth2/accessToken', {
      token: null,
      rawBody: `appKey=${DEMO.appKey}&appSecret=${DEMO.appSecret}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect((await expectApiError(form, 400, 'MissingBody')).message).toBe('body is mandatory')
    expect(e.stats.tokenMints).toBe(2)

    expect(
      (
        await callApi(
          e,
          'POST',
          `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/10001/downloadInfos/query?unionId=${DEMO.unionId}`,
          { token: first.accessToken },
        )
      ).status,
    ).toBe(200)
    e.revokeTokens()
    const revoked = await callApi(
      e,
      'POST',
      `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/10001/downloadInfos/query?unionId=${DEMO.unionId}`,
      { token: first.accessToken },
    )
    await expectApiError(revoked, 400, 'InvalidAuthentication')
    const third = (await (await mint(DEMO.appSecret)).json()) as { accessToken: string }
    expect(third.accessToken).not.toBe(first.accessToken)
  })

  it('rejects missing, unknown, quoted and expired tokens', async () => {
    const e = await start({ tokenTtlSeconds: 1 })
    const path = `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/10001/query?unionId=${DEMO.unionId}`
    await expectApiError(await callApi(e, 'POST', path, { token: null }), 400, 'InvalidAuthentication')
    await expectApiError(await callApi(e, 'POST', path, { token: 'nope' }), 400, 'InvalidAuthentication')
    await expectApiError(
      await callApi(e, 'POST', path, { token: JSON.stringify(DEMO.accessToken) }),
      400,
      'InvalidAuthentication',
    )
    const minted = (await (
      await callApi(e, 'POST', '/v1.0/oauth2/accessToken', {
        token: null,
        body: { appKey: DEMO.appKey, appSecret: DEMO.appSecret },
      })
    ).json()) as {
      accessToken: string
      expireIn: number
    }
    expect(minted.expireIn).toBe(1)
    expect((await callApi(e, 'POST', path, { token: minted.accessToken })).status).toBe(200)
    const mintedAt = Date.now()
    while (Date.now() - mintedAt < 1050) await new Promise((r) => setTimeout(r, 25))
    await expectApiError(await callApi(e, 'POST', path, { token: minted.accessToken }), 400, 'InvalidAuthentication')
  })
})

describe('download info', () => {
  it('answers the HEADER_SIGNATURE shape and records the request body verbatim', async () => {
    const e = await start()
    const res = await queryDownloadInfo(e, '10001', { option: { preferIntranet: false } })
    expect(res.headers.get('x-acs-request-id')).toBeTruthy()
    const body = (await res.json()) as { protocol: string; headerSignatureInfo: SignatureInfo }
    expect(body.protocol).toBe('HEADER_SIGNATURE')
    const info = body.headerSignatureInfo
    expect(info.resourceUrls).toHaveLength(2)
    expect(info.resourceUrls[0]!.startsWith(`${e.url}/oss/0/`)).toBe(true)
    expect(Object.keys(info.headers).sort()).toEqual(['Authorization', 'x-oss-date'])
    expect(info.headers.Authorization).toMatch(/^OSS [^:]+:[A-Za-z0-9+/=]+$/)
    expect(Date.parse(info.headers['x-oss-date']!)).toBeGreaterThan(Date.now() - 5000)
    expect(info.expirationSeconds).toBe(900)
    expect(info.region).toBe('ZHANGJIAKOU')
    expect(info.internalResourceUrls).toEqual([])
    expect(e.stats.downloadInfoCalls).toBe(1)
    expect(e.stats.apiRequests[0]).toMatchObject({
      method: 'POST',
      body: { option: { preferIntranet: false } },
      status: 200,
      query: { unionId: DEMO.unionId },
    })
  })

  it('answers each documented error code', async () => {
    const e = await start({
      files: [
        { spaceId: 's', dentryId: '1', name: 'a.bin', content: bytes(10) },
        { spaceId: 's', dentryId: '2', name: 'cold.bin', content: bytes(10), archived: true },
        { spaceId: 's', dentryId: '3', name: 'gone.bin', content: bytes(10), status: 'DELETED' },
      ],
      folders: [{ spaceId: 's', dentryId: '9', name: 'dir' }],
    })
    await expectApiError(await queryDownloadInfo(e, '1', {}, { spaceId: 's', unionId: null }), 400, 'paramError')
    await expectApiError(
      await queryDownloadInfo(e, '1', {}, { spaceId: 's', unionId: 'stranger' }),
      403,
      'permissionDenied',
    )
    await expectApiError(await queryDownloadInfo(e, '1', {}, { spaceId: 'nope' }), 404, 'spaceNotExist')
    await expectApiError(await queryDownloadInfo(e, '404', {}, { spaceId: 's' }), 404, 'dentryNotExist')
    await expectApiError(await queryDownloadInfo(e, '3', {}, { spaceId: 's' }), 404, 'dentryNotExist')
    await expectApiError(await queryDownloadInfo(e, '9', {}, { spaceId: 's' }), 400, 'operationNotSupported')
    await expectApiError(await queryDownloadInfo(e, '2', {}, { spaceId: 's' }), 400, 'fileArchived')
    await expectApiError(
      await queryDownloadInfo(e, '1', { option: { version: 7 } }, { spaceId: 's' }),
      404,
      'dentryNotExist',
    )
    await expectApiError(
      await queryDownloadInfo(e, '1', { option: { version: 'x' } }, { spaceId: 's' }),
      400,
      'paramError',
    )
    expect((await queryDownloadInfo(e, '1', { option: { version: 1 } }, { spaceId: 's' })).status).toBe(200)
  })

  it('restores an archived file after archivedTimes tries', async () => {
    const e = await start({
      files: [{ spaceId: 's', dentryId: '2', name: 'cold.bin', content: bytes(10), archived: true }],
      faults: { archivedTimes: 2 },
    })
    await expectApiError(await queryDownloadInfo(e, '2', {}, { spaceId: 's' }), 400, 'fileArchived')
    await expectApiError(await queryDownloadInfo(e, '2', {}, { spaceId: 's' }), 400, 'fileArchived')
    expect((await queryDownloadInfo(e, '2', {}, { spaceId: 's' })).status).toBe(200)
  })

  it('serves older versions, and updateFile makes a new version with a new ETag', async () => {
    const v1 = bytes(100, 1)
    const v2 = bytes(120, 2)
    const e = await start({
      files: [
        {
          spaceId: 's',
          dentryId: '1',
          name: 'a.bin',
          content: v2,
          version: 2,
          versions: [{ version: 1, content: v1 }],
        },
      ],
    })
    const old = await getResource(await getSignatureInfo(e, '1', { option: { version: 1 } }, 's'))
    expect(Buffer.from(await old.arrayBuffer())).toEqual(Buffer.from(v1))
    const currentInfo = await getSignatureInfo(e, '1', {}, 's')
    const current = await getResource(currentInfo)
    expect(Buffer.from(await current.arrayBuffer())).toEqual(Buffer.from(v2))
    const v3 = bytes(50, 3)
    e.updateFile('s', '1', v3)
    expect(await e.fileContent('s', '1')).toEqual(Buffer.from(v3))
    const next = await getResource(await getSignatureInfo(e, '1', {}, 's'))
    expect(next.headers.get('etag')).not.toBe(current.headers.get('etag'))
    expect(next.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(v3).toString())
    expect(Buffer.from(await next.arrayBuffer())).toEqual(Buffer.from(v3))
    // An If-Match with the old ETag now fails against the new version: how clients detect a changed file.
    await expectXmlError(
      await getResource(await getSignatureInfo(e, '1', {}, 's'), { 'If-Match': current.headers.get('etag')! }),
      412,
      'PreconditionFailed',
    )
    const dentry = (await (
      await callApi(e, 'POST', `/v1.0/storage/spaces/s/dentries/1/query?unionId=${DEMO.unionId}`)
    ).json()) as { dentry: Record<string, unknown> }
    expect(dentry.dentry).toMatchObject({ id: '1', version: 3, size: 50, type: 'FILE' })
  })

  it('honours the protocol, apiError and htmlBlock faults', async () => {
    const e = await start({ faults: { protocol: 'URL_SIGNATURE' } })
    const body = (await (await queryDownloadInfo(e)).json()) as Record<string, unknown>
    expect(body).toEqual({ protocol: 'URL_SIGNATURE' })

    e.setFaults({ apiError: { code: 'systemBusy', status: 429, times: 2 } })
    await expectApiError(await queryDownloadInfo(e), 429, 'systemBusy')
    await expectApiError(await queryDownloadInfo(e), 429, 'systemBusy')
    expect((await queryDownloadInfo(e)).status).toBe(200)

    e.setFaults({ apiError: { code: 'Forbidden.AccessDenied.QpsLimitForApi', status: 403, times: 1, api: 'token' } })
    expect((await queryDownloadInfo(e)).status).toBe(200)
    await expectApiError(
      await callApi(e, 'POST', '/v1.0/oauth2/accessToken', {
        token: null,
        body: { appKey: DEMO.appKey, appSecret: DEMO.appSecret },
      }),
      403,
      'Forbidden.AccessDenied.QpsLimitForApi',
    )

    e.setFaults({ htmlBlock: true })
    const blocked = await queryDownloadInfo(e)
    expect(blocked.status).toBe(403)
    expect(blocked.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await blocked.text()).toMatch(/^<!DOCTYPE html>/)
  })
})

describe('other API routes', () => {
  it('gets a dentry, denies it without the scope, and resolves a dentryUuid', async () => {
    const e = await start()
    const res = await callApi(
      e,
      'POST',
      `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/20002/query?unionId=${DEMO.unionId}`,
      { body: { option: { withThumbnail: false } } },
    )
    const { dentry } = (await res.json()) as { dentry: Record<string, unknown> }
    expect(dentry).toMatchObject({
      id: '20002',
      spaceId: DEMO.spaceId,
      parentId: '20001',
      type: 'FILE',
      name: 'q1.pdf',
      size: 300 << 10,
      path: '/reports/q1.pdf',
      version: 1,
      status: 'NORMAL',
      extension: 'pdf',
    })
    const folder = (await (
      await callApi(e, 'POST', `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/20001/query?unionId=${DEMO.unionId}`)
    ).json()) as { dentry: Record<string, unknown> }
    expect(folder.dentry.type).toBe('FOLDER')
    expect(folder.dentry.size).toBeUndefined()

    const ids = (await (
      await callApi(e, 'GET', `/v2.0/doc/dentries/${dentry.uuid as string}/queryDentryId?operatorId=${DEMO.unionId}`)
    ).json()) as Record<string, unknown>
    expect(ids).toEqual({ dentryUuid: dentry.uuid, dentryId: '20002', spaceId: DEMO.spaceId })

    e.setFaults({ denyDentryQuery: true })
    const denied = await expectApiError(
      await callApi(e, 'POST', `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/20002/query?unionId=${DEMO.unionId}`),
      403,
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
    )
    expect(denied.accessdenieddetail).toEqual({ requiredScopes: ['Storage.File.Read'] })
    await expectApiError(await callApi(e, 'GET', '/v1.0/nothing/here'), 404, 'resourceNotFound')
  })

  it('lists a folder in pages with an opaque nextToken and keeps hostile names verbatim', async () => {
    const names = ['../x', '/etc/x', 'a\u0001b', 'CON', 'same?', 'same*', 'z.txt']
    const e = await start({
      folders: [{ spaceId: 's', dentryId: 'f', name: 'dir' }],
      files: names.map((name, i) => ({
        spaceId: 's',
        dentryId: String(i),
        name,
        parentId: 'f',
        content: bytes(i + 1),
      })),
      faults: { listPageSize: 3 },
    })
    const seen: Record<string, unknown>[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const token: string = nextToken === undefined ? '' : `&nextToken=${encodeURIComponent(nextToken)}`
      const res = await callApi(
        e,
        'GET',
        `/v1.0/storage/spaces/s/dentries?parentId=f&unionId=${DEMO.unionId}&maxResults=50${token}`,
      )
      const page = (await res.json()) as { dentries: Record<string, unknown>[]; nextToken?: string }
      expect(page.dentries.length).toBeLessThanOrEqual(3)
      seen.push(...page.dentries)
      nextToken = page.nextToken
      pages++
    } while (nextToken)
    expect(pages).toBe(3)
    expect(seen.map((d) => d.name).sort()).toEqual([...names].sort())
    expect(seen.find((d) => d.name === '../x')?.path).toBe('/dir/../x')
    await expectApiError(
      await callApi(e, 'GET', `/v1.0/storage/spaces/s/dentries?parentId=f&unionId=${DEMO.unionId}&maxResults=51`),
      400,
      'paramError',
    )
    await expectApiError(
      await callApi(e, 'GET', `/v1.0/storage/spaces/s/dentries?parentId=f&unionId=${DEMO.unionId}&nextToken=bogus`),
      400,
      'paramError',
    )
    const root = (await (
      await callApi(e, 'GET', `/v1.0/storage/spaces/s/dentries?parentId=0&unionId=${DEMO.unionId}`)
    ).json()) as { dentries: unknown[]; nextToken?: string }
    expect(root.dentries).toHaveLength(1)
    expect(root.nextToken).toBeUndefined()
  })

  it('lists versions newest first', async () => {
    const e = await start({
      files: [
        {
          spaceId: 's',
          dentryId: '1',
          name: 'a.bin',
          content: bytes(30),
          version: 3,
          versions: [
            { version: 1, content: bytes(10) },
            { version: 2, content: bytes(20) },
          ],
        },
      ],
    })
    const res = await callApi(
      e,
      'GET',
      `/v1.0/storage/spaces/s/dentries/1/versions?unionId=${DEMO.unionId}&maxResults=2`,
    )
    const page = (await res.json()) as { dentries: { version: number; size: number }[]; nextToken?: string }
    expect(page.dentries.map((d) => [d.version, d.size])).toEqual([
      [3, 30],
      [2, 20],
    ])
    const rest = (await (
      await callApi(
        e,
        'GET',
        `/v1.0/storage/spaces/s/dentries/1/versions?unionId=${DEMO.unionId}&maxResults=2&nextToken=${page.nextToken!}`,
      )
    ).json()) as {
      dentries: { version: number }[]
      nextToken?: string
    }
    expect(rest.dentries.map((d) => d.version)).toEqual([1])
    expect(rest.nextToken).toBeUndefined()
  })
})

describe('resource URLs', () => {
  it('serves a full GET and a Range GET with the whole-object CRC', async () => {
    const e = await start()
    const content = await e.fileContent(DEMO.spaceId, '10001')
    expect(content.length).toBe(4 << 20)
    const info = await getSignatureInfo(e)
    const full = await getResource(info)
    expect(full.status).toBe(200)
    expect(full.headers.get('accept-ranges')).toBe('bytes')
    expect(full.headers.get('etag')).toMatch(/^"[0-9A-F]{32}"$/)
    expect(full.headers.get('content-length')).toBe(String(content.length))
    expect(full.headers.get('last-modified')).toBeTruthy()
    expect(full.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(content).toString())
    expect(Buffer.from(await full.arrayBuffer()).equals(content)).toBe(true)

    const part = await getResource(info, { Range: 'bytes=100-199', 'If-Match': full.headers.get('etag')! })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${content.length}`)
    expect(part.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(content).toString())
    expect(Buffer.from(await part.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true)
    const suffix = await getResource(info, { Range: 'bytes=-10' })
    expect(suffix.headers.get('content-range')).toBe(
      `bytes ${content.length - 10}-${content.length - 1}/${content.length}`,
    )
    expect(Buffer.from(await suffix.arrayBuffer()).equals(content.subarray(-10))).toBe(true)
    const open = await getResource(info, { Range: `bytes=${content.length - 5}-` })
    expect(open.status).toBe(206)
    expect((await open.arrayBuffer()).byteLength).toBe(5)
    expect(e.stats.resourceRequests.map((r) => r.status)).toEqual([200, 206, 206, 206])
    expect(e.stats.resourceRequests[1]).toMatchObject({ urlIndex: 0, range: 'bytes=100-199', bytesSent: 100 })
    expect(e.stats.bytesServed).toBe(content.length + 115)
  })

  it('serves files on disk, and omits the CRC header when crc64 is null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtdl-emu-'))
    try {
      const content = Buffer.from(bytes(3 << 20, 5))
      writeFileSync(join(dir, 'f.bin'), content)
      const e = await start({
        files: [
          { spaceId: 's', dentryId: '1', name: 'f.bin', path: join(dir, 'f.bin') },
          { spaceId: 's', dentryId: '2', name: 'nocrc.bin', content: bytes(10), crc64: null },
        ],
      })
      const info = await getSignatureInfo(e, '1', {}, 's')
      const part = await getResource(info, { Range: 'bytes=1048570-2097160' })
      expect(part.status).toBe(206)
      expect(part.headers.get('x-oss-hash-crc64ecma')).toBe(crc64(content).toString())
      expect(Buffer.from(await part.arrayBuffer()).equals(content.subarray(1048570, 2097161))).toBe(true)
      expect((await e.fileContent('s', '1')).equals(content)).toBe(true)
      const noCrc = await getResource(await getSignatureInfo(e, '2', {}, 's'))
      expect(noCrc.status).toBe(200)
      expect(noCrc.headers.has('x-oss-hash-crc64ecma')).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects Content-Type, HEAD, and missing or forged signatures', async () => {
    const e = await start()
    const info = await getSignatureInfo(e)
    await expectXmlError(
      await getResource(info, { 'Content-Type': 'application/octet-stream' }),
      403,
      'SignatureDoesNotMatch',
    )
    await expectXmlError(await getResource(info, {}, { method: 'HEAD' }), 403, 'SignatureDoesNotMatch')
    await expectXmlError(await fetch(info.resourceUrls[0]!), 403, 'SignatureDoesNotMatch')
    const forged = info.headers.Authorization!.replace(/:(.)/, (_, c: string) => `:${c === 'A' ? 'B' : 'A'}`)
    expect(forged).not.toBe(info.headers.Authorization)
    await expectXmlError(await getResource(info, { Authorization: forged }), 403, 'SignatureDoesNotMatch')
    const other = await getSignatureInfo(e, '20002')
    await expectXmlError(await fetch(other.resourceUrls[0]!, { headers: info.headers }), 403, 'SignatureDoesNotMatch')
    // Transport headers and the documented extras are fine.
    expect(
      (
        await getResource(info, {
          Range: 'bytes=0-0',
          'x-oss-range-behavior': 'standard',
          'User-Agent': 'dtdl/test',
          Accept: '*/*',
        })
      ).status,
    ).toBe(206)
  })

  it('expires signatures for new requests after signatureTtlSeconds', async () => {
    const e = await start({ faults: { signatureTtlSeconds: 1 } })
    const info = await getSignatureInfo(e)
    const issuedBy = Date.now()
    expect(info.expirationSeconds).toBe(900)
    expect((await getResource(info, { Range: 'bytes=0-0' })).status).toBe(206)
    while (Date.now() - issuedBy < 1050) await new Promise((r) => setTimeout(r, 25))
    await expectXmlError(await getResource(info, { Range: 'bytes=0-0' }), 403, 'RequestTimeTooSkewed')
    expect((await getResource(await getSignatureInfo(e), { Range: 'bytes=0-0' })).status).toBe(206)
  })

  it('lets a response that started in time finish after the signature expires', async () => {
    const e = await start({
      files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 1_200_000 }],
      faults: { signatureTtlSeconds: 1, bytesPerSecondPerConnection: 1_000_000 },
    })
    const res = await getResource(await getSignatureInfo(e, '1', {}, 's'))
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBe(1_200_000)
  })

  it('follows the OSS range rules and If-Match', async () => {
    const content = Buffer.from(bytes(1000))
    const e = await start({ files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', content }] })
    const info = await getSignatureInfo(e, '1', {}, 's')
    for (const range of [
      'bytes=1000-1010',
      'bytes=500-2000',
      'bytes=9-3',
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=-2000',
    ]) {
      const res = await getResource(info, { Range: range })
      expect([range, res.status]).toEqual([range, 200])
      expect((await res.arrayBuffer()).byteLength).toBe(1000)
    }
    await expectXmlError(
      await getResource(info, { Range: 'bytes=1000-1010', 'x-oss-range-behavior': 'standard' }),
      416,
      'InvalidRange',
    )
    const clipped = await getResource(info, { Range: 'bytes=990-2000', 'x-oss-range-behavior': 'standard' })
    expect(clipped.status).toBe(206)
    expect(clipped.headers.get('content-range')).toBe('bytes 990-999/1000')
    expect(Buffer.from(await clipped.arrayBuffer()).equals(content.subarray(990))).toBe(true)
    await expectXmlError(await getResource(info, { 'If-Match': '"0123"' }), 412, 'PreconditionFailed')
  })
})

describe('resource faults', () => {
  it('cutEveryKth resets every Kth response after N bytes', async () => {
    const e = await start({ faults: { cutEveryKth: { k: 2, afterBytes: 100_000 } } })
    const info = await getSignatureInfo(e)
    expect((await (await getResource(info)).arrayBuffer()).byteLength).toBe(4 << 20)
    const cut = getResource(info).then((res) => res.arrayBuffer())
    await expect(cut).rejects.toThrow()
    expect((await (await getResource(info)).arrayBuffer()).byteLength).toBe(4 << 20)
    expect(e.stats.resourceRequests[1]!.bytesSent).toBe(100_000)
    expect(e.stats.bytesServed).toBe(2 * (4 << 20) + 100_000)
  })

  it('silentAfterBytes stalls a response until the client gives up', async () => {
    const e = await start({ faults: { silentAfterBytes: { afterBytes: 5000 } } })
    const info = await getResource(await getSignatureInfo(e))
    const reader = info.body!.getReader()
    let received = 0
    const stalled = (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        received += value.length
      }
    })()
    const waitedFrom = Date.now()
    while (received < 5000 && Date.now() - waitedFrom < 2000) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 200))
    expect(received).toBe(5000)
    await reader.cancel()
    await stalled.catch(() => undefined)
    // Only the next response stalls.
    expect((await (await getResource(await getSignatureInfo(e))).arrayBuffer()).byteLength).toBe(4 << 20)
  })

  it('ignoreRange, wrongContentRange, wrongCrc, corruptOnce', async () => {
    const e = await start()
    const content = await e.fileContent(DEMO.spaceId, '10001')
    const info = await getSignatureInfo(e)
    e.setFaults({ ignoreRange: true })
    const whole = await getResource(info, { Range: 'bytes=10-19' })
    expect(whole.status).toBe(200)
    expect((await whole.arrayBuffer()).byteLength).toBe(content.length)

    e.setFaults({ wrongContentRange: true })
    const off = await getResource(info, { Range: 'bytes=10-19' })
    expect(off.status).toBe(206)
    expect(off.headers.get('content-range')).toBe(`bytes 11-20/${content.length}`)
    expect(Buffer.from(await off.arrayBuffer()).equals(content.subarray(11, 21))).toBe(true)

    e.setFaults({ wrongCrc: true })
    const wrong = await getResource(info, { Range: 'bytes=0-0' })
    expect(wrong.headers.get('x-oss-hash-crc64ecma')).not.toBe(crc64(content).toString())
    await wrong.arrayBuffer()

    e.setFaults({ corruptOnce: true })
    const corrupt = Buffer.from(await (await getResource(info)).arrayBuffer())
    expect(corrupt.length).toBe(content.length)
    let differing = 0
    for (let i = 0; i < corrupt.length; i++) if (corrupt[i] !== content[i]) differing++
    expect(differing).toBe(1)
    expect(Buffer.from(await (await getResource(info)).arrayBuffer()).equals(content)).toBe(true)
  })

  it('failFirstUrl answers 503 on the first URL only', async () => {
    const e = await start({ faults: { failFirstUrl: true } })
    const info = await getSignatureInfo(e)
    await expectXmlError(await getResource(info, {}, { urlIndex: 0 }), 503, 'ServiceUnavailable')
    const second = await getResource(info, { Range: 'bytes=0-9' }, { urlIndex: 1 })
    expect(second.status).toBe(206)
    await second.arrayBuffer()
    expect(e.stats.resourceRequests.map((r) => [r.urlIndex, r.status])).toEqual([
      [0, 503],
      [1, 206],
    ])
  })

  it('bytesPerSecondPerConnection caps the speed of each response', async () => {
    const e = await start({
      files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 2_000_000 }],
      faults: { bytesPerSecondPerConnection: 4_000_000 },
    })
    const info = await getSignatureInfo(e, '1', {}, 's')
    const startedAt = performance.now()
    const body = await (await getResource(info)).arrayBuffer()
    const elapsed = performance.now() - startedAt
    expect(body.byteLength).toBe(2_000_000)
    expect(elapsed).toBeGreaterThanOrEqual(0.8 * 500)
    expect(elapsed).toBeLessThan(1500)
  })
})

describe('requestLogLimit', () => {
  it('keeps the newest entries of each request log while the counters stay exact', async () => {
    const e = await start({ requestLogLimit: 5 })
    for (let i = 0; i < 20; i++) {
      const info = await getSignatureInfo(e)
      const res = await getResource(info, { Range: 'bytes=0-0' })
      await res.arrayBuffer()
    }
    expect(e.stats.downloadInfoCalls).toBe(20)
    expect(e.stats.apiRequests.length).toBeGreaterThanOrEqual(5)
    expect(e.stats.apiRequests.length).toBeLessThanOrEqual(6)
    expect(e.stats.resourceRequests.length).toBeLessThanOrEqual(6)
    // The newest stay: the last request logged is the last one made.
    expect(e.stats.resourceRequests.at(-1)?.path).toContain('d_10001')
  })
})
