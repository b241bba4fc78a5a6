// The official SDK (@alicloud/dingtalk 2.2.27) as a client of the emulator, for every route dtdl calls, beside
// dtdl's own client: if the emulator drifts from DingTalk's models, or dtdl from the emulator, this fails.
// (The old-style oapi user routes are not in this SDK; test/cli/operator.test.ts covers them.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { DEMO, startEmulator, type Emulator, type EmulatorFaults } from '../src/emulator/index.js'
import { createApiClient, mintAccessToken, type DingTalkApi } from '../src/dingtalk/client.js'
import { createDispatcher } from '../src/http/dispatcher.js'
import type { Dispatcher } from 'undici'

// The SDK is CommonJS, one module per API product.
const require = createRequire(import.meta.url)
/* eslint-disable @typescript-eslint/no-explicit-any */
const OpenApi = require('@alicloud/openapi-client') as any
const Util = require('@alicloud/tea-util') as any
const OAuth = require('@alicloud/dingtalk/oauth2_1_0') as any
const Storage = require('@alicloud/dingtalk/storage_1_0') as any
const Doc = require('@alicloud/dingtalk/doc_2_0') as any
const Wiki = require('@alicloud/dingtalk/wiki_2_0') as any

const SPACE = DEMO.spaceId
let emu: Emulator
let dispatcher: Dispatcher
let token: string
let ours: DingTalkApi
const sdk: Record<string, any> = {}
const runtime = () => new Util.RuntimeOptions({})

beforeAll(async () => {
  emu = await startEmulator({
    quiet: true,
    folders: [{ spaceId: SPACE, dentryId: '20', name: 'docs' }],
    files: [
      {
        spaceId: SPACE,
        dentryId: '21',
        name: 'a.pdf',
        parentId: '20',
        content: Buffer.from('version two'),
        version: 2,
        versions: [{ version: 1, content: Buffer.from('v1') }],
      },
      { spaceId: SPACE, dentryId: '22', name: 'b.txt', parentId: '20', content: Buffer.from('bee') },
    ],
    workspaces: [
      { workspaceId: 'ws1', name: 'Team', root: { spaceId: SPACE, dentryId: '20' } },
      { workspaceId: 'ws2', name: 'Mine', type: 'PERSONAL', root: { spaceId: SPACE, dentryId: '20' }, mine: true },
    ],
  })
  // The SDK takes a host and a protocol; everything else stays as it ships.
  const config = () => new OpenApi.Config({ endpoint: emu.url.replace(/^http:\/\//, ''), protocol: 'http' })
  sdk.oauth = new OAuth.default(config())
  sdk.storage = new Storage.default(config())
  sdk.doc = new Doc.default(config())
  sdk.wiki = new Wiki.default(config())
  dispatcher = await createDispatcher()
  token = (await mintAccessToken(emu.url, dispatcher, DEMO.appKey, DEMO.appSecret)).accessToken
  ours = createApiClient({
    endpoint: emu.url,
    dispatcher,
    tokens: { get: async () => token, renew: async () => token, canRenew: false, origin: 'env' },
    retries: 0,
  })
})
afterAll(async () => {
  await dispatcher.destroy()
  await emu.close()
})

/** Runs an SDK call and returns the thrown error, or fails if it did not throw. */
async function sdkError(
  call: () => Promise<unknown>,
): Promise<{ code: string; statusCode: number; message: string; data: Record<string, unknown> }> {
  try {
    await call()
  } catch (err) {
    return err as never
  }
  throw new Error('the SDK call did not fail')
}

describe('the official SDK against the emulator, route by route, with dtdl reading the same answers', () => {
  it('oauth2_1_0 getAccessToken', async () => {
    const res = await sdk.oauth.getAccessToken(
      new OAuth.GetAccessTokenRequest({ appKey: DEMO.appKey, appSecret: DEMO.appSecret }),
    )
    expect(res.statusCode).toBe(200)
    expect(res.body.accessToken).toBe(token)
    expect(res.body.expireIn).toBeGreaterThan(0)
    const bad = await sdkError(() =>
      sdk.oauth.getAccessToken(new OAuth.GetAccessTokenRequest({ appKey: DEMO.appKey, appSecret: 'wrong' })),
    )
    expect(bad.code).toBe('invalidClientIdOrSecret')
  })

  it('storage_1_0 getFileDownloadInfo (with version and preferIntranet)', async () => {
    emu.setFaults({ intranet: 'working' })
    const headers = new Storage.GetFileDownloadInfoHeaders({ xAcsDingtalkAccessToken: token })
    const request = new Storage.GetFileDownloadInfoRequest({
      unionId: DEMO.unionId,
      option: new Storage.GetFileDownloadInfoRequestOption({ version: 1, preferIntranet: true }),
    })
    const res = await sdk.storage.getFileDownloadInfoWithOptions(SPACE, '21', request, headers, runtime())
    const mine = await ours.getDownloadInfo({
      spaceId: SPACE,
      dentryId: '21',
      unionId: DEMO.unionId,
      version: 1,
      preferIntranet: true,
    })
    emu.setFaults({})
    const info = res.body.headerSignatureInfo
    expect(res.body.protocol).toBe('HEADER_SIGNATURE')
    expect(info.resourceUrls).toHaveLength(2)
    expect(info.internalResourceUrls).toHaveLength(1)
    expect(Object.keys(info.headers).sort()).toEqual(['Authorization', 'x-oss-date'])
    expect(info.expirationSeconds).toBe(900)
    expect(info.region).toBe('ZHANGJIAKOU')
    expect(mine.resourceUrls).toEqual(info.resourceUrls)
    expect(mine.internalResourceUrls).toEqual(info.internalResourceUrls)
    expect(mine.region).toBe(info.region)
  })

  it('storage_1_0 getDentry', async () => {
    const res = await sdk.storage.getDentryWithOptions(
      SPACE,
      '21',
      new Storage.GetDentryRequest({
        unionId: DEMO.unionId,
        option: new Storage.GetDentryRequestOption({ withThumbnail: false }),
      }),
      new Storage.GetDentryHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    const d = res.body.dentry
    expect(d).toMatchObject({
      id: '21',
      spaceId: SPACE,
      parentId: '20',
      type: 'FILE',
      name: 'a.pdf',
      size: 11,
      version: 2,
      status: 'NORMAL',
      extension: 'pdf',
    })
    expect(typeof d.uuid).toBe('string')
    const mine = await ours.getDentry(SPACE, '21', DEMO.unionId)
    for (const key of [
      'id',
      'spaceId',
      'parentId',
      'type',
      'name',
      'size',
      'version',
      'modifiedTime',
      'uuid',
      'storageDriver',
    ] as const)
      expect(mine[key]).toEqual(d[key])
  })

  it('storage_1_0 listDentries, paged', async () => {
    emu.setFaults({ listPageSize: 1 })
    const headers = new Storage.ListDentriesHeaders({ xAcsDingtalkAccessToken: token })
    const first = await sdk.storage.listDentriesWithOptions(
      SPACE,
      new Storage.ListDentriesRequest({ parentId: '20', unionId: DEMO.unionId, maxResults: 50 }),
      headers,
      runtime(),
    )
    const second = await sdk.storage.listDentriesWithOptions(
      SPACE,
      new Storage.ListDentriesRequest({
        parentId: '20',
        unionId: DEMO.unionId,
        maxResults: 50,
        nextToken: first.body.nextToken,
      }),
      headers,
      runtime(),
    )
    const mine = await ours.listDentries(SPACE, '20', DEMO.unionId)
    emu.setFaults({})
    expect(first.body.dentries.map((d: { name: string }) => d.name)).toEqual(['a.pdf'])
    expect(typeof first.body.nextToken).toBe('string')
    expect(second.body.dentries.map((d: { name: string }) => d.name)).toEqual(['b.txt'])
    expect(second.body.nextToken ?? '').toBe('')
    expect(mine.dentries.map((d) => d.name)).toEqual(['a.pdf'])
    expect(mine.nextToken).toBe(first.body.nextToken)
  })

  it('storage_1_0 listDentryVersions', async () => {
    const res = await sdk.storage.listDentryVersionsWithOptions(
      SPACE,
      '21',
      new Storage.ListDentryVersionsRequest({ unionId: DEMO.unionId, maxResults: 100 }),
      new Storage.ListDentryVersionsHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(res.body.dentries.map((d: { version: number; size: number }) => [d.version, d.size])).toEqual([
      [2, 11],
      [1, 2],
    ])
    const mine = await ours.listVersions(SPACE, '21', DEMO.unionId)
    expect(mine.dentries.map((d) => [d.version, d.size])).toEqual([
      [2, 11],
      [1, 2],
    ])
  })

  it('doc_2_0 getDentryIdByUuid (queryDentryId) and getUuidByDentryId (the reverse)', async () => {
    const uuid = emu.uuidOf(SPACE, '21')
    const res = await sdk.doc.getDentryIdByUuidWithOptions(
      uuid,
      new Doc.GetDentryIdByUuidRequest({ operatorId: DEMO.unionId }),
      new Doc.GetDentryIdByUuidHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(res.body).toMatchObject({ dentryUuid: uuid, dentryId: '21', spaceId: SPACE })
    expect(await ours.queryDentryId(uuid, DEMO.unionId)).toEqual({ spaceId: SPACE, dentryId: '21' })
    const back = await sdk.doc.getUuidByDentryIdWithOptions(
      '21',
      new Doc.GetUuidByDentryIdRequest({ spaceId: SPACE, operatorId: DEMO.unionId }),
      new Doc.GetUuidByDentryIdHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(back.body.dentryUuid).toBe(uuid)
    const missing = await sdkError(() =>
      sdk.doc.getDentryIdByUuidWithOptions(
        'X'.repeat(32),
        new Doc.GetDentryIdByUuidRequest({ operatorId: DEMO.unionId }),
        new Doc.GetDentryIdByUuidHeaders({ xAcsDingtalkAccessToken: token }),
        runtime(),
      ),
    )
    expect(missing).toMatchObject({ code: 'documentNotExist', statusCode: 404 })
  })

  it('wiki_2_0 listWorkspaces and getMineWorkspace', async () => {
    const res = await sdk.wiki.listWorkspacesWithOptions(
      new Wiki.ListWorkspacesRequest({ operatorId: DEMO.unionId, maxResults: 30 }),
      new Wiki.ListWorkspacesHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(
      res.body.workspaces.map((w: { workspaceId: string; name: string; rootNodeId: string }) => [
        w.workspaceId,
        w.name,
        w.rootNodeId,
      ]),
    ).toEqual([
      ['ws1', 'Team', emu.uuidOf(SPACE, '20')],
      ['ws2', 'Mine', emu.uuidOf(SPACE, '20')],
    ])
    const mine = await sdk.wiki.getMineWorkspaceWithOptions(
      new Wiki.GetMineWorkspaceRequest({ operatorId: DEMO.unionId }),
      new Wiki.GetMineWorkspaceHeaders({ xAcsDingtalkAccessToken: token }),
      runtime(),
    )
    expect(mine.body.workspace).toMatchObject({ workspaceId: 'ws2', type: 'PERSONAL' })
    expect((await ours.listWorkspaces(DEMO.unionId)).workspaces.map((w) => w.workspaceId)).toEqual(['ws1', 'ws2'])
    expect((await ours.getMineWorkspace(DEMO.unionId))?.workspaceId).toBe('ws2')
  })
})

describe('errors read the same by the SDK and by dtdl, in either case of keys', () => {
  it.each<[string, EmulatorFaults]>([
    ['lower-case keys', {}],
    ['capitalised keys', { capitalErrorKeys: true }],
  ])('%s', async (_what, faults) => {
    emu.setFaults({ ...faults, denyDentryQuery: true })
    const err = await sdkError(() =>
      sdk.storage.getDentryWithOptions(
        SPACE,
        '21',
        new Storage.GetDentryRequest({ unionId: DEMO.unionId }),
        new Storage.GetDentryHeaders({ xAcsDingtalkAccessToken: token }),
        runtime(),
      ),
    )
    const mine = await ours.getDentry(SPACE, '21', DEMO.unionId).then(
      () => undefined,
      (e: unknown) => e as { code: string; requestId?: string; hint?: string },
    )
    emu.setFaults({})
    expect(err.code).toBe('Forbidden.AccessDenied.AccessTokenPermissionDenied')
    expect(err.statusCode).toBe(403)
    expect(mine?.code).toBe(err.code)
    expect(mine?.hint).toMatch(/lacks the permission Storage\.File\.Read:/)
    // Both show the request id DingTalk support asks for.
    expect(err.message).toMatch(/request id: [0-9A-F-]{36}/)
    expect(mine?.requestId).toMatch(/^[0-9A-F-]{36}$/)
  })
})
