import { setTimeout as sleep } from 'node:timers/promises';
import type { CliProcess } from './run-cli.js';

/** The URL `modkit run` printed for its health server (`[modkit] health on http://…`). */
export async function healthUrl(cli: CliProcess): Promise<string> {
  const pattern = /\[modkit\] health on (http:\/\/\S+)/;
  await cli.waitFor(pattern);
  return pattern.exec(cli.stdout() + cli.stderr())![1]!;
}

export interface Probe {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a probe's body is whatever JSON the endpoint sent; tests read its fields
  readonly body: any;
}

/** GET `url` and its JSON body. */
export async function probe(url: string): Promise<Probe> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** Probes `url` until `done` accepts the answer (polling, never a fixed sleep); the last answer. */
export async function probeUntil(url: string, done: (p: Probe) => boolean, timeoutMs = 30_000): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe(url);
    if (done(answer)) return answer;
    if (Date.now() > deadline)
      throw new Error(`${url} never answered as expected; last: ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(50);
  }
}
