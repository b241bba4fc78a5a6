// The emulator's hostile-server switches, checked with plain undici requests: each misbehaviour must really be on the wire.

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

const bytes = (n: number, seed = 1): Buffer => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff))

/** One API call with the demo token; `body` is sent as JSON. */
function callApi(e: Emulator, method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<Reply> {
  const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': DEMO.accessToken }
  if (body !== undefined) headers['content-type'] = 'application/json'
  return request(`${e.url}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null })
}

const downloadInfoPath = (dentryId: string, spaceId = DEMO.spaceId) => `/v1.0/storage/spaces/${spaceId}/dentries/${dentryId}/downloadInfos/query?unionId=${DEMO.unionId}`
const listPath = (parentId: string, spaceId = DEMO.spaceId, extra = '') => `/v1.0/storage/spaces/${spaceId}/dentries?parentId=${parentId}&unionId=${DEMO.unionId}${extra}`
const versionsPath = (dentryId: string, spaceId = DEMO.spaceId, extra = '') => `/v1.0/storage/spaces/${spaceId}/dentries/${dentryId}/versions?unionId=${DEMO.unionId}${extra}`
const tokenBody = { appKey: DEMO.appKey, appSecret: DEMO.appSecret }

async function signatureInfo(e: Emulator, dentryId = '10001', spaceId = DEMO.spaceId, body: unknown = {}): Promise<SignatureInfo> {
  const res = await callApi(e, 'POST', downloadInfoPath(dentryId, spaceId), body)
  expect(res.statusCode).toBe(200)
  return ((await res.body.json()) as { headerSignatureInfo: SignatureInfo }).headerSignatureInfo
}

function getObject(url: string, info: SignatureInfo, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Reply> {
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
    expect((await signatureInfo(e, '10001', DEMO.spaceId, { option: { preferIntranet: false } })).internalResourceUrls).toEqual([])
  })
})

describe('silentAfterBytes, times always', () => {
  it('every object response sends N bytes, then holds the socket without another byte', async () => {
    const e = await start({ faults: { silentAfterBytes: { afterBytes: 1000, times: 'always' } } })
    const info = await signatureInfo(e)
    for (let i = 0; i < 3; i++) {
      const res = await getObject(info.resourceUrls[i % 2]!, info)
      expect(res.statusCode).toBe(200)
      expect(await bytesWithin(res, 400)).toEqual({ received: 1000, ended: false })
    }
    e.setFaults({ silentAfterBytes: { afterBytes: 1000, times: Infinity } })
    expect(await bytesWithin(await getObject(info.resourceUrls[0]!, info), 300)).toEqual({ received: 1000, ended: false })
    expect(await bytesWithin(await getObject(info.resourceUrls[0]!, info), 300)).toEqual({ received: 1000, ended: false })
  })
})
