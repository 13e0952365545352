import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { progressReporter } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    stream: { isTTY, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream,
    text: () => chunks.join(''),
  };
}

describe('progressReporter', () => {
  const events = (sink: ReturnType<typeof progressReporter>) => {
    sink({
      type: 'migration-start',
      module: 'billing',
      id: '0004_backfill',
      format: 'sql',
      blocksThread: false,
      index: 37,
      total: 120,
    });
    sink({
      type: 'migration-start',
      module: 'billing',
      id: '0005_refunds',
      format: 'sql',
      blocksThread: false,
      index: 38,
      total: 120,
    });
  };

  it('overwrites one line per migration on a TTY ([37/120] billing 0004_backfill)', () => {
    const out = fakeStream(true);
    events(progressReporter(new Output({}, out.stream, fakeStream(false).stream)));
    expect(out.text()).toBe('\r\x1b[2K[37/120] billing 0004_backfill\r\x1b[2K[38/120] billing 0005_refunds');
  });

  it('prints nothing for migrations when stdout is not a TTY, or under --json, so logs stay clean', () => {
    const pipe = fakeStream(false);
    events(progressReporter(new Output({}, pipe.stream, fakeStream(false).stream)));
    expect(pipe.text()).toBe('');
    const tty = fakeStream(true);
    events(progressReporter(new Output({ json: true }, tty.stream, fakeStream(false).stream)));
    expect(tty.text()).toBe('');
  });
});
