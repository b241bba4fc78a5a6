// The emulator's hostile-server switches, checked with plain undici requests: each misbehaviour must really be on the
// wire.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { crc64 } from '../src/crc64/crc64.js'
import { DEMO, startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js'

interface SignatureInfo {
  resourceUrls: string[]
  headers: Record<string, string>
  internalResourceUrls: string[]
}

type Reply = Awaited<ReturnType<typeof request>>

let emu: Emulator | undefined
afterEach(async () => {
  await emu?.close()
  emu = undefined
})

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({ quiet: true, ...options })
  return emu
}

const bytes = (n: number, seed = 1): Buffer =>
  Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff))

/** One API call with the demo token; `body` is sent as JSON. */
function callApi(
  e: Emulator,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Reply> {
  const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': DEMO.accessToken }
  if (body !== undefined) headers['content-type'] = 'application/json'
  return request(`${e.url}${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    signal: signal ?? null,
  })
}

const downloadInfoPath = (dentryId: string, spaceId = DEMO.spaceId) =>
  `/v1.0/storage/spaces/${spaceId}/dentries/${dentryId}/downloadInfos/query?unionId=${DEMO.unionId}`
const listPath = (parentId: string, spaceId = DEMO.spaceId, extra = '') =>
  `/v1.0/storage/spaces/${spaceId}/dentries?parentId=${parentId}&unionId=${DEMO.unionId}${extra}`
const versionsPath = (dentryId: string, spaceId = DEMO.spaceId, extra = '') =>
  `/v1.0/storage/spaces/${spaceId}/dentries/${dentryId}/versions?unionId=${DEMO.unionId}${extra}`
const tokenBody = { appKey: DEMO.appKey, appSecret: DEMO.appSecret }

async function signatureInfo(
  e: Emulator,
  dentryId = '10001',
  spaceId = DEMO.spaceId,
  body: unknown = {},
): Promise<SignatureInfo> {
  const res = await callApi(e, 'POST', downloadInfoPath(dentryId, spaceId), body)
  expect(res.statusCode).toBe(200)
  return ((await res.body.json()) as { headerSignatureInfo: SignatureInfo }).headerSignatureInfo
}

function getObject(
  url: string,
  info: SignatureInfo,
  extra: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Reply> {
  return request(url, { headers: { ...info.headers, ...extra }, signal: signal ?? null })
}

async function readAll(res: Reply): Promise<Buffer> {
  return Buffer.from(await res.body.arrayBuffer())
}

/** Reads the body for at most `ms` (a bounded wait, not a sleep): the bytes that came, and whether it ended. */
async function bytesWithin(res: Reply, ms: number): Promise<{ received: number; ended: boolean }> {
  let received = 0
  const deadline = AbortSignal.timeout(ms)
  const stop = (): void => void res.body.destroy(new Error(`no end within ${ms} ms`))
  deadline.addEventListener('abort', stop)
  try {
    for await (const chunk of res.body) received += (chunk as Buffer).length
    return { received, ended: true }
  } catch {
    return { received, ended: false }
  } finally {
    deadline.removeEventListener('abort', stop)
  }
}

describe('object response headers', () => {
  it('etag: strong by default, weak W/"...", or none at all', async () => {
    const e = await start()
    const info = await signatureInfo(e)
    const strong = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' })
    const tag = strong.headers.etag as string
    expect(tag).toMatch(/^"[0-9A-F]{32}"$/)
    await readAll(strong)
    e.setFaults({ etag: 'weak' })
    const weak = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' })
    expect(weak.headers.etag).toBe(`W/${tag}`)
    await readAll(weak)
    // If-Match compares strongly: a weak tag never matches.
    const weakMatch = await getObject(info.resourceUrls[0]!, info, { 'if-match': `W/${tag}` })
    expect(weakMatch.statusCode).toBe(412)
    await weakMatch.body.dump()
    e.setFaults({ etag: 'none' })
    const none = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' })
    expect(none.statusCode).toBe(206)
    expect('etag' in none.headers).toBe(false)
    await readAll(none)
  })

  it('lastModified: false leaves Last-Modified out', async () => {
    const e = await start({ faults: { lastModified: false } })
    const info = await signatureInfo(e)
    const res = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-9' })
    expect(res.statusCode).toBe(206)
    expect('last-modified' in res.headers).toBe(false)
    expect(res.headers.etag).toBeTruthy()
    await readAll(res)
    e.setFaults({})
    const back = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-9' })
    expect(Date.parse(back.headers['last-modified'] as string)).toBeGreaterThan(0)
    await readAll(back)
  })

  it('crcHeader: ok, absent, or malformed', async () => {
    const e = await start()
    const content = await e.fileContent(DEMO.spaceId, '10001')
    const info = await signatureInfo(e)
    const crcOf = async () => {
      const res = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' })
      await readAll(res)
      return res.headers['x-oss-hash-crc64ecma']
    }
    expect(await crcOf()).toBe(crc64(content).toString())
    e.setFaults({ crcHeader: 'absent' })
    expect(await crcOf()).toBeUndefined()
    e.setFaults({ crcHeader: 'malformed' })
    const malformed = await crcOf()
    expect(malformed).toBe('12ab-not-a-number')
    expect(malformed).not.toMatch(/^\d+$/)
    e.setFaults({ crcHeader: 'ok', wrongCrc: true })
    expect(await crcOf()).not.toBe(crc64(content).toString())
  })
})

describe('intranet: refusing', () => {
  it('answers 403 AccessDenied on the internal URL every time, freshly signed or not; resourceUrls work', async () => {
    const e = await start({ faults: { intranet: 'refusing' } })
    for (let i = 0; i < 3; i++) {
      const info = await signatureInfo(e)
      expect(info.internalResourceUrls).toHaveLength(1)
      const refused = await getObject(info.internalResourceUrls[0]!, info)
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['content-type']).toBe('application/xml')
      const xml = await refused.body.text()
      expect(xml).toContain('<Code>AccessDenied</Code>')
      expect(xml).toContain('bucket acl')
    }
    const info = await signatureInfo(e)
    const pub = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-99' })
    expect(pub.statusCode).toBe(206)
    expect((await readAll(pub)).length).toBe(100)
    // Only an explicit preferIntranet: false leaves the internal URLs out.
    expect(
      (await signatureInfo(e, '10001', DEMO.spaceId, { option: { preferIntranet: false } })).internalResourceUrls,
    ).toEqual([])
  })
})

describe('silentAfterBytes, times always', () => {
  it('every object response sends N bytes, then holds the socket without another byte', async () => {
    const e = await start({ faults: { silentAfterBytes: { afterBytes: 1000, times: 'always' } } })
    const info = await signatureInfo(e)
    for (let i = 0; i < 3; i++) {
      const res = await getObject(info.resourceUrls[i % 2]!, info)
      expect(res.statusCode).toBe(200)
      expect(await bytesWithin(res, 250)).toEqual({ received: 1000, ended: false })
    }
    e.setFaults({ silentAfterBytes: { afterBytes: 1000, times: Infinity } })
    expect(await bytesWithin(await getObject(info.resourceUrls[0]!, info), 250)).toEqual({
      received: 1000,
      ended: false,
    })
    expect(await bytesWithin(await getObject(info.resourceUrls[0]!, info), 250)).toEqual({
      received: 1000,
      ended: false,
    })
  })
})

describe('mutateAfterResponses', () => {
  it('overwrites the file in place after N responses started: same URL, same size and version, new bytes, ETag, CRC, Last-Modified; once', async () => {
    const old = bytes(200_000, 3)
    const e = await start({
      files: [
        { spaceId: 's', dentryId: '1', name: 'a.bin', content: old },
        { spaceId: 's', dentryId: '2', name: 'b.bin', size: 5000 },
      ],
      faults: { mutateAfterResponses: { afterResponses: 2, dentryId: '1' } },
    })
    const other = await e.fileContent('s', '2')
    const info = await signatureInfo(e, '1', 's')
    const first = await getObject(info.resourceUrls[0]!, info)
    expect((await readAll(first)).equals(old)).toBe(true)
    // The second response starts the overwrite, and still streams the bytes it started with.
    const second = await getObject(info.resourceUrls[1]!, info)
    expect(second.headers.etag).toBe(first.headers.etag)
    expect((await readAll(second)).equals(old)).toBe(true)

    const now = await e.fileContent('s', '1')
    expect(now.length).toBe(old.length)
    expect(now.equals(old)).toBe(false)
    const third = await getObject(info.resourceUrls[0]!, info)
    expect(third.statusCode).toBe(200)
    expect(third.headers.etag).not.toBe(first.headers.etag)
    expect(third.headers['x-oss-hash-crc64ecma']).toBe(crc64(now).toString())
    expect(third.headers['x-oss-hash-crc64ecma']).not.toBe(first.headers['x-oss-hash-crc64ecma'])
    expect(Date.parse(third.headers['last-modified'] as string)).toBeGreaterThan(
      Date.parse(first.headers['last-modified'] as string),
    )
    expect((await readAll(third)).equals(now)).toBe(true)
    // A resume that checks the old ETag is refused; the version number did not move.
    const resumed = await getObject(info.resourceUrls[0]!, info, {
      range: 'bytes=100-199',
      'if-match': first.headers.etag as string,
    })
    expect(resumed.statusCode).toBe(412)
    await resumed.body.dump()
    const dentry = (await (
      await callApi(e, 'POST', `/v1.0/storage/spaces/s/dentries/1/query?unionId=${DEMO.unionId}`)
    ).body.json()) as { dentry: { version: number; size: number } }
    expect(dentry.dentry).toMatchObject({ version: 1, size: old.length })
    // Once: further responses serve the same new bytes; the other file never changed.
    const fourth = await getObject(info.resourceUrls[0]!, info)
    expect(fourth.headers.etag).toBe(third.headers.etag)
    expect((await readAll(fourth)).equals(now)).toBe(true)
    expect((await e.fileContent('s', '2')).equals(other)).toBe(true)
  })

  it('overwrites every file when no dentryId is named, files on disk too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtdl-emu-'))
    try {
      const onDisk = bytes(70_000, 9)
      writeFileSync(join(dir, 'd.bin'), onDisk)
      const e = await start({
        files: [
          { spaceId: 's', dentryId: '1', name: 'd.bin', path: join(dir, 'd.bin') },
          { spaceId: 's', dentryId: '2', name: 'g.bin', size: 3000 },
        ],
        faults: { mutateAfterResponses: { afterResponses: 1 } },
      })
      const generated = await e.fileContent('s', '2')
      const info = await signatureInfo(e, '1', 's')
      const probe = await getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' })
      expect((await readAll(probe))[0]).toBe(onDisk[0])
      const after = await getObject(info.resourceUrls[0]!, info)
      const now = await readAll(after)
      expect(now.length).toBe(onDisk.length)
      expect(now.equals(await e.fileContent('s', '1'))).toBe(true)
      // Every byte differs, so even a 1-byte probe sees the change.
      expect(now.some((b, i) => b === onDisk[i])).toBe(false)
      expect(after.headers['x-oss-hash-crc64ecma']).toBe(crc64(now).toString())
      const g = await e.fileContent('s', '2')
      expect(g.length).toBe(3000)
      expect(g.equals(generated)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('bandwidth and latency', () => {
  /** Two ranged GETs at once; how long they took together and how many bytes came. */
  async function twoAtOnce(
    e: Emulator,
    info: SignatureInfo,
    each: number,
  ): Promise<{ elapsed: number; total: number }> {
    const startedAt = performance.now()
    const bodies = await Promise.all(
      [0, 1].map(async (i) =>
        readAll(await getObject(info.resourceUrls[i]!, info, { range: `bytes=${i * each}-${(i + 1) * each - 1}` })),
      ),
    )
    return { elapsed: (performance.now() - startedAt) / 1000, total: bodies.reduce((n, b) => n + b.length, 0) }
  }

  it('bytesPerSecondTotal holds all object responses together to one rate', async () => {
    const e = await start({
      files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 2_000_000 }],
      faults: { bytesPerSecondTotal: 1_000_000 },
    })
    const info = await signatureInfo(e, '1', 's')
    const { elapsed, total } = await twoAtOnce(e, info, 500_000)
    expect(total).toBe(1_000_000)
    // Each alone would be allowed the whole rate: together they share it.
    expect(total / elapsed).toBeLessThanOrEqual(1.3 * 1_000_000)
    expect(elapsed).toBeLessThan(3)
  })

  it('with bytesPerSecondPerConnection too, each response is held to both caps', async () => {
    const e = await start({
      files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 2_000_000 }],
      faults: { bytesPerSecondTotal: 2_000_000, bytesPerSecondPerConnection: 300_000 },
    })
    const info = await signatureInfo(e, '1', 's')
    const { elapsed, total } = await twoAtOnce(e, info, 300_000)
    expect(total).toBe(600_000)
    // The total cap alone would let 600 kB through in 0.3 s; each connection's 300 kB/s makes it 1 s.
    expect(total / elapsed).toBeLessThanOrEqual(1.3 * 600_000)
    expect(elapsed).toBeLessThan(3)
  })

  it('latencyMs delays the status line of API, oapi and object requests alike; apiLatency adds to it', async () => {
    const e = await start()
    const info = await signatureInfo(e)
    e.setFaults({ latencyMs: 150 })
    const timed = async (send: () => Promise<Reply>): Promise<number> => {
      const startedAt = performance.now()
      const res = await send()
      const elapsed = performance.now() - startedAt
      expect(res.statusCode).toBeLessThan(300)
      await res.body.dump()
      return elapsed
    }
    expect(await timed(() => callApi(e, 'POST', downloadInfoPath('10001'), {}))).toBeGreaterThanOrEqual(145)
    expect(await timed(() => callApi(e, 'POST', '/v1.0/oauth2/accessToken', tokenBody))).toBeGreaterThanOrEqual(145)
    expect(await timed(() => getObject(info.resourceUrls[0]!, info, { range: 'bytes=0-0' }))).toBeGreaterThanOrEqual(
      145,
    )
    expect(
      await timed(() =>
        request(`${e.url}/topapi/v2/user/get?access_token=${DEMO.accessToken}`, {
          method: 'POST',
          body: JSON.stringify({ userid: 'x' }),
        }),
      ),
    ).toBeGreaterThanOrEqual(145)
    e.setFaults({ latencyMs: 150, apiLatency: { ms: 100, api: 'list' } })
    expect(await timed(() => callApi(e, 'GET', listPath('0')))).toBeGreaterThanOrEqual(245)
    e.setFaults({})
    expect(await timed(() => callApi(e, 'GET', listPath('0')))).toBeLessThan(145)
  })
})

describe('apiStall', () => {
  it("'after-headers' sends 200 and JSON headers, then never a body byte; the next call is answered", async () => {
    const e = await start({ faults: { apiStall: { mode: 'after-headers' } } })
    const stalled = await callApi(e, 'POST', downloadInfoPath('10001'), {})
    expect(stalled.statusCode).toBe(200)
    expect(stalled.headers['content-type']).toMatch(/^application\/json/)
    expect(stalled.headers['content-length']).toBeUndefined()
    expect(await bytesWithin(stalled, 300)).toEqual({ received: 0, ended: false })
    const next = await callApi(e, 'POST', downloadInfoPath('10001'), {})
    expect(next.statusCode).toBe(200)
    expect(await next.body.json()).toHaveProperty('headerSignatureInfo')
  })

  it("'no-headers' never answers, for every call of the named API when 'always'; close() still returns", async () => {
    const e = await start({ faults: { apiStall: { mode: 'no-headers', times: 'always', api: 'list' } } })
    for (let i = 0; i < 2; i++)
      await expect(callApi(e, 'GET', listPath('0'), undefined, AbortSignal.timeout(300))).rejects.toThrow()
    const info = await callApi(e, 'POST', downloadInfoPath('10001'), {})
    expect(info.statusCode).toBe(200)
    await info.body.dump()
    e.setFaults({ apiStall: { mode: 'no-headers', api: 'userGet' } })
    await expect(
      request(`${e.url}/topapi/v2/user/get?access_token=${DEMO.accessToken}`, {
        method: 'POST',
        body: '{"userid":"x"}',
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow()
    // Calls left hanging (the client never gives up) must not hold close() open.
    e.setFaults({ apiStall: { mode: 'no-headers', times: 'always' } })
    const hanging = [callApi(e, 'GET', listPath('0')), callApi(e, 'POST', '/v1.0/oauth2/accessToken', tokenBody)]
    for (const h of hanging) h.catch(() => undefined)
    await expect(waitUntil(() => e.stats.apiRequests.length >= 6, 5000)).resolves.toBe(true)
    let closed = false
    await Promise.race([
      e.close().then(() => (closed = true)),
      new Promise((r) => AbortSignal.timeout(5000).addEventListener('abort', r)),
    ])
    expect(closed).toBe(true)
    emu = undefined
    await Promise.allSettled(hanging)
  })
})

describe('endlessPages', () => {
  /** Follows nextToken `pages` times; the tokens seen. */
  async function follow(e: Emulator, page: (token: string) => Promise<Reply>, pages: number): Promise<string[]> {
    const tokens: string[] = []
    let token = ''
    for (let i = 0; i < pages; i++) {
      const res = await page(token)
      expect(res.statusCode).toBe(200)
      const body = (await res.body.json()) as { dentries: unknown[]; nextToken?: string }
      expect(body.dentries).toEqual([])
      expect(typeof body.nextToken).toBe('string')
      token = body.nextToken!
      tokens.push(token)
    }
    return tokens
  }

  it('list, versions and listAll answer an empty page with a fresh nextToken, for ever', async () => {
    const e = await start({ faults: { endlessPages: true } })
    const tokens = [
      ...(await follow(
        e,
        (t) => callApi(e, 'GET', listPath('0', DEMO.spaceId, t ? `&nextToken=${encodeURIComponent(t)}` : '')),
        20,
      )),
      ...(await follow(
        e,
        (t) => callApi(e, 'GET', versionsPath('10001', DEMO.spaceId, t ? `&nextToken=${encodeURIComponent(t)}` : '')),
        5,
      )),
      ...(await follow(
        e,
        (t) =>
          callApi(e, 'POST', `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/listAll?unionId=${DEMO.unionId}`, {
            option: t ? { nextToken: t } : {},
          }),
        5,
      )),
    ]
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  it('{ api } makes only that listing endless', async () => {
    const e = await start({ faults: { endlessPages: { api: 'versions' } } })
    await follow(
      e,
      (t) => callApi(e, 'GET', versionsPath('10001', DEMO.spaceId, t ? `&nextToken=${encodeURIComponent(t)}` : '')),
      3,
    )
    const list = (await (await callApi(e, 'GET', listPath('0'))).body.json()) as {
      dentries: unknown[]
      nextToken?: string
    }
    expect(list.dentries.length).toBeGreaterThan(0)
    expect(list.nextToken).toBeUndefined()
  })
})

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setImmediate(r))
  }
  return true
}

describe('garbage', () => {
  it('html, null and not-object replace the next answer with a 200 of the wrong shape', async () => {
    const e = await start({ faults: { garbage: { kind: 'html' } } })
    const html = await callApi(e, 'POST', downloadInfoPath('10001'), {})
    expect(html.statusCode).toBe(200)
    expect(html.headers['content-type']).toMatch(/^text\/html/)
    expect(await html.body.text()).toMatch(/^<!DOCTYPE html>/)
    // Once by default: the next call is answered as usual.
    expect(await (await callApi(e, 'POST', downloadInfoPath('10001'), {})).body.json()).toHaveProperty(
      'headerSignatureInfo',
    )
    e.setFaults({ garbage: { kind: 'null', api: 'dentry' } })
    const list = await callApi(e, 'GET', listPath('0'))
    expect(await list.body.json()).toHaveProperty('dentries')
    const nul = await callApi(
      e,
      'POST',
      `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/10001/query?unionId=${DEMO.unionId}`,
    )
    expect([nul.statusCode, nul.headers['content-type'], await nul.body.text()]).toEqual([
      200,
      'application/json;charset=utf-8',
      'null',
    ])
    e.setFaults({ garbage: { kind: 'not-object', times: 'always' } })
    for (let i = 0; i < 3; i++) {
      const res = await callApi(e, 'GET', listPath('0'))
      expect(res.statusCode).toBe(200)
      expect(await res.body.json()).toEqual([1, 2])
    }
  })

  it('dentries-not-array and name-number spoil listings (and the dentry), skipping answers they do not fit', async () => {
    const e = await start({ faults: { garbage: { kind: 'dentries-not-array' } } })
    expect(await (await callApi(e, 'POST', downloadInfoPath('10001'), {})).body.json()).toHaveProperty(
      'headerSignatureInfo',
    )
    const spoilt = (await (await callApi(e, 'GET', listPath('0'))).body.json()) as { dentries: unknown }
    expect(Array.isArray(spoilt.dentries)).toBe(false)
    expect(typeof spoilt.dentries).toBe('object')
    expect(Object.values(spoilt.dentries as object).length).toBeGreaterThan(0)
    expect(
      Array.isArray(((await (await callApi(e, 'GET', listPath('0'))).body.json()) as { dentries: unknown }).dentries),
    ).toBe(true)

    e.setFaults({ garbage: { kind: 'name-number', times: 2 } })
    const listed = (await (await callApi(e, 'GET', listPath('0'))).body.json()) as { dentries: { name: unknown }[] }
    expect(listed.dentries.length).toBeGreaterThan(0)
    for (const d of listed.dentries) expect(typeof d.name).toBe('number')
    const one = (await (
      await callApi(e, 'POST', `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/10001/query?unionId=${DEMO.unionId}`)
    ).body.json()) as { dentry: { name: unknown } }
    expect(typeof one.dentry.name).toBe('number')
  })

  it.each([
    ['url-file', 'file:///etc/passwd'],
    ['url-data', 'data:text/plain,hi'],
    ['url-invalid', 'not a url'],
  ] as const)('%s: download info names %s as its resourceUrls', async (kind, url) => {
    const e = await start({ faults: { garbage: { kind } } })
    const spoilt = await signatureInfo(e)
    expect(spoilt.resourceUrls.length).toBeGreaterThan(0)
    for (const u of spoilt.resourceUrls) expect(u).toBe(url)
    expect((await signatureInfo(e)).resourceUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oss\//)
  })

  it('token-newline: the token route mints an accessToken with a newline inside', async () => {
    const e = await start({ faults: { garbage: { kind: 'token-newline', times: 'always' } } })
    expect(await (await callApi(e, 'GET', listPath('0'))).body.json()).toHaveProperty('dentries')
    const res = await callApi(e, 'POST', '/v1.0/oauth2/accessToken', tokenBody)
    expect(res.statusCode).toBe(200)
    const { accessToken } = (await res.body.json()) as { accessToken: string }
    expect(accessToken).toContain('\n')
    expect(accessToken.replace('\n', '')).toMatch(/^[0-9a-f]{32}$/)
  })
})

describe('hugeBody', () => {
  it('pads a 200 answer to about `bytes` of valid JSON, keeping its fields', async () => {
    const e = await start({ faults: { hugeBody: { api: 'list', bytes: 300_000 } } })
    const res = await callApi(e, 'GET', listPath('0'))
    expect(res.statusCode).toBe(200)
    const text = await res.body.text()
    expect(Buffer.byteLength(text)).toBe(300_000)
    expect(res.headers['content-length']).toBe('300000')
    const body = JSON.parse(text) as { dentries: { name: string }[]; pad: string }
    expect(body.dentries.map((d) => d.name).sort()).toEqual(['demo.bin', 'reports'])
    expect(body.pad).toMatch(/^x+$/)
    // Only the named API, and errors stay as they are.
    expect(
      ((await (await callApi(e, 'POST', downloadInfoPath('10001'), {})).body.json()) as Record<string, unknown>).pad,
    ).toBeUndefined()
    expect((await callApi(e, 'GET', listPath('nope'))).headers['content-length']).not.toBe('300000')
  })

  it('streams 200 MB without the emulator holding it in memory', async () => {
    const e = await start({ faults: { hugeBody: { bytes: 200_000_000 } } })
    const rssBefore = process.memoryUsage().rss
    const res = await callApi(e, 'POST', downloadInfoPath('10001'), {})
    expect(res.headers['content-length']).toBe('200000000')
    let peak = rssBefore
    const xs = Buffer.alloc(1 << 20, 'x')
    let received = 0
    let head = Buffer.alloc(0)
    let padStart = -1
    let nonPad = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (padStart < 0) {
        head = Buffer.concat([head, chunk])
        const at = head.indexOf('"pad":"')
        if (at >= 0) padStart = at + '"pad":"'.length
      }
      // Every byte from the pad's start to the closing `"}` is an x.
      const from = Math.max(0, padStart - received)
      const to = Math.min(chunk.length, 200_000_000 - 2 - received)
      for (let at = from; padStart >= 0 && at < to; at += xs.length) {
        const piece = chunk.subarray(at, Math.min(to, at + xs.length))
        if (!piece.equals(xs.subarray(0, piece.length))) nonPad++
      }
      received += chunk.length
      if ((received & 0xfffff) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss)
      if (received === 200_000_000) expect(chunk.subarray(-2).toString()).toBe('"}')
    }
    expect(received).toBe(200_000_000)
    expect(nonPad).toBe(0)
    const prefix = head.subarray(0, padStart).toString()
    expect(JSON.parse(`${prefix}"}`)).toHaveProperty('headerSignatureInfo.resourceUrls')
    // Reading costs some tens of MB of RSS at most, whatever the size; a body built whole costs 200 MB+ (measured: 650
    // MB).
    expect(peak - rssBefore).toBeLessThan(140 << 20)
  })
})

describe('escapes', () => {
  const pieces = ['\u001b]0;pwned\u0007', '\u001b[2J', '\r', '\u202e']

  it('puts terminal escapes, CR and a bidi override in API error codes and messages, oapi errmsg and OSS XML errors', async () => {
    const e = await start({ faults: { escapes: true, capitalErrorKeys: false } })
    const res = await callApi(e, 'POST', downloadInfoPath('404'), {})
    expect(res.statusCode).toBe(404)
    const body = (await res.body.json()) as { code: string; message: string }
    for (const p of pieces) {
      expect(body.code).toContain(p)
      expect(body.message).toContain(p)
    }
    expect(body.code.startsWith('dentryNotExist')).toBe(true)
    const oapi = (await (
      await request(`${e.url}/topapi/v2/user/get?access_token=${DEMO.accessToken}`, {
        method: 'POST',
        body: '{"userid":"nobody"}',
      })
    ).body.json()) as { errcode: number; errmsg: string }
    expect(oapi.errcode).toBe(60121)
    for (const p of pieces) expect(oapi.errmsg).toContain(p)
    const info = await signatureInfo(e)
    const forged = await getObject(info.resourceUrls[0]!, {
      ...info,
      headers: { ...info.headers, Authorization: `${info.headers.Authorization}x` },
    })
    expect(forged.statusCode).toBe(403)
    const xml = await forged.body.text()
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? ''
    const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? ''
    for (const p of pieces) {
      expect(code).toContain(p)
      expect(message).toContain(p)
    }
    // Successful answers are untouched.
    expect(JSON.stringify(await (await callApi(e, 'GET', listPath('0'))).body.json())).not.toContain('pwned')
  })

  it('file names with escapes (no switch needed) round-trip through listing JSON unchanged', async () => {
    const names = [
      '\u001b]0;pwned\u0007.txt',
      'clear\u001b[2J.bin',
      'cr\rname.pdf',
      'evil\u202etxt.exe',
      'nl\nname',
      'tab\tand\u0000nul',
    ]
    const e = await start({
      files: names.map((name, i) => ({ spaceId: 's', dentryId: String(i + 1), name, content: bytes(4) })),
    })
    const page = (await (await callApi(e, 'GET', listPath('0', 's'))).body.json()) as {
      dentries: { id: string; name: string; path: string }[]
    }
    expect(page.dentries.map((d) => d.name).sort()).toEqual([...names].sort())
    for (const d of page.dentries) expect(d.path).toBe(`/${names[Number(d.id) - 1]}`)
  })
})

describe('large pages', () => {
  const longName = (i: number) => `${'季度财务报告与审计意见'.repeat(20)}-${i}.pdf`

  it('serves a folder page of 50 long Chinese names (over 64 KiB) whole', async () => {
    const e = await start({
      folders: [{ spaceId: 's', dentryId: 'f', name: '归档'.repeat(30) }],
      files: Array.from({ length: 50 }, (_, i) => ({
        spaceId: 's',
        dentryId: String(100 + i),
        name: longName(i),
        parentId: 'f',
        content: bytes(3),
      })),
    })
    const res = await callApi(e, 'GET', listPath('f', 's', '&maxResults=50'))
    const raw = await readAll(res)
    expect(raw.length).toBeGreaterThan(64 << 10)
    expect(res.headers['content-length']).toBe(String(raw.length))
    const page = JSON.parse(raw.toString('utf8')) as { dentries: { name: string }[]; nextToken?: string }
    expect(page.dentries.map((d) => d.name).sort()).toEqual(Array.from({ length: 50 }, (_, i) => longName(i)).sort())
    expect(page.nextToken).toBeUndefined()
    e.setFaults({ listPageSize: 20 })
    const first = (await (await callApi(e, 'GET', listPath('f', 's', '&maxResults=50'))).body.json()) as {
      dentries: unknown[]
      nextToken?: string
    }
    expect([first.dentries.length, typeof first.nextToken]).toEqual([20, 'string'])
  })

  it('serves a versions page of 100 versions (over 64 KiB) whole', async () => {
    const versions = Array.from({ length: 99 }, (_, i) => ({ version: i + 1, content: bytes(i + 1) }))
    const e = await start({
      files: [{ spaceId: 's', dentryId: '1', name: longName(0), content: bytes(200), version: 100, versions }],
    })
    const res = await callApi(e, 'GET', versionsPath('1', 's', '&maxResults=100'))
    const raw = await readAll(res)
    expect(raw.length).toBeGreaterThan(64 << 10)
    const page = JSON.parse(raw.toString('utf8')) as {
      dentries: { version: number; size: number; name: string }[]
      nextToken?: string
    }
    expect(page.dentries.map((d) => d.version)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i))
    expect(page.dentries[99]).toMatchObject({ version: 1, size: 1, name: longName(0) })
    expect(page.nextToken).toBeUndefined()
  })
})

describe('listAll', () => {
  it('lists a whole space flat, paged by option.maxResults and option.nextToken in the body', async () => {
    const e = await start()
    const path = `/v1.0/storage/spaces/${DEMO.spaceId}/dentries/listAll?unionId=${DEMO.unionId}`
    const first = (await (await callApi(e, 'POST', path, { option: { maxResults: 2 } })).body.json()) as {
      dentries: { path: string }[]
      nextToken: string
    }
    expect(first.dentries.map((d) => d.path)).toEqual(['/demo.bin', '/reports'])
    const rest = (await (
      await callApi(e, 'POST', path, { option: { maxResults: 2, nextToken: first.nextToken } })
    ).body.json()) as { dentries: { path: string }[]; nextToken?: string }
    expect(rest.dentries.map((d) => d.path)).toEqual(['/reports/q1.pdf'])
    expect(rest.nextToken).toBeUndefined()
    expect((await callApi(e, 'POST', path, { option: { maxResults: 51 } })).statusCode).toBe(400)
  })
})
