import { describe, expect, it } from 'vitest';
import { watchLauncher } from '../../src/cli/watch-launcher.js';

describe('watchLauncher', () => {
  it('watches only when a package runner started the process (npm sets npm_config_user_agent / npm_execpath)', () => {
    expect(watchLauncher(() => {}, {})).toBeUndefined();
    expect(watchLauncher(() => {}, { PATH: '/usr/bin' })).toBeUndefined();
    for (const env of [
      { npm_config_user_agent: 'npm/11.0.0 node/v20.20.2 linux x64' },
      { npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' },
    ]) {
      const stop = watchLauncher(() => {}, env);
      expect(stop).toBeTypeOf('function');
      stop!();
    }
  });
});
