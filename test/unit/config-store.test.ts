// The config store: dtdl reads conf's file itself (fast start-up), so its idea of the path must be conf's.
import { describe, expect, it } from 'vitest'
import envPaths from 'env-paths'
import { join } from 'node:path'
import { configFilePath, describeConfig } from '../../src/config/store.js'

describe('configFilePath', () => {
  it("agrees with the env-paths folder conf uses on this platform", () => {
    expect(configFilePath({ ...process.env, DTDL_CONFIG_DIR: undefined })).toBe(join(envPaths('dtdl', { suffix: '' }).config, 'config.json'))
  })
  it.each([
    [{ DTDL_CONFIG_DIR: '/tmp/cfg' }, 'linux', '/tmp/cfg/config.json'],
    [{ XDG_CONFIG_HOME: '/x' }, 'linux', '/x/dtdl/config.json'],
    [{}, 'linux', '/home/u/.config/dtdl/config.json'],
    [{}, 'darwin', '/home/u/Library/Preferences/dtdl/config.json'],
    [{ APPDATA: '/appdata' }, 'win32', '/appdata/dtdl/Config/config.json'],
  ] as const)('%j on %s → %s', (env, platform, expected) => {
    expect(configFilePath(env, platform, '/home/u')).toBe(expected)
  })
})

describe('describeConfig', () => {
  it('masks secrets and keeps the rest', () => {
    expect(describeConfig({ token: 'abcdefghijklmnop', appKey: 'dingkey', unionId: 'u1' })).toEqual(['token=abcd****(16 chars)', 'appKey=dingkey', 'unionId=u1'])
  })
})
