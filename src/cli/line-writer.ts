import { fstatSync, writeSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';

/** The lock word and the count of bytes waiting, at the start of the shared buffer. */
const LOCK = 0;
const WAITING = 1;
const HEADER_BYTES = 8;

/**
 * Lines for a file descriptor (stdout), written by a worker thread every `everyMs` with all that
 * came meanwhile, whatever the main thread does: a SQLite statement holds the main thread for as
 * long as it runs, so a timer there could not write the lines of the migrations finished before
 * it. A thousand migrations then make a few dozen writes instead of a thousand, each of which woke
 * the process reading the pipe (a SQLite apply read through a pipe took 1.16x the time of the same
 * run with no lines: docs/performance.md).
 *
 * The bytes wait in a buffer shared with the worker; whoever writes them (the worker on its timer,
 * the main thread in `flush`) holds the lock for the write, so nothing written after a `flush`
 * can come out before what waited. The worker is unref'd: it never keeps the process alive, and
 * the owner calls `flush` before exiting (a SIGKILL loses what waits: at most `everyMs` of lines).
 */
export class ThreadedLineWriter {
  private readonly header: Int32Array;
  private readonly data: Uint8Array;
  private readonly worker: Worker;
  /** The worker could not start or failed: every line is then written at once. */
  private failed = false;

  constructor(
    private readonly fd: number,
    everyMs: number,
    capacity = 64 * 1024,
  ) {
    const shared = new SharedArrayBuffer(HEADER_BYTES + capacity);
    this.header = new Int32Array(shared, 0, 2);
    this.data = new Uint8Array(shared, HEADER_BYTES);
    // Loaded here, not with the CLI: most runs never start the worker.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, fd, everyMs } });
    this.worker.unref();
    this.worker.on('error', () => {
      this.failed = true;
    });
  }

  /** Adds `text` to what waits (written at once when it would not fit). */
  write(text: string): void {
    const bytes = Buffer.from(text);
    lock(this.header);
    try {
      let waiting = this.header[WAITING]!;
      if (this.failed || waiting + bytes.length > this.data.length) {
        writeAll(this.fd, this.data.subarray(0, waiting));
        waiting = 0;
      }
      if (this.failed || bytes.length > this.data.length) writeAll(this.fd, bytes);
      else {
        this.data.set(bytes, waiting);
        waiting += bytes.length;
      }
      this.header[WAITING] = waiting;
    } finally {
      unlock(this.header);
    }
  }

  /** Writes what waits, now, on this thread. */
  flush(): void {
    if (Atomics.load(this.header, WAITING) === 0) return;
    lock(this.header);
    try {
      writeAll(this.fd, this.data.subarray(0, this.header[WAITING]));
      this.header[WAITING] = 0;
    } finally {
      unlock(this.header);
    }
  }

  /** Writes what waits and stops the worker. */
  close(): void {
    this.flush();
    void this.worker.terminate();
  }
}

/**
 * Whether a write to `fd` wakes a process that reads it (a pipe, a socket): what batching saves.
 * A file or /dev/null takes a write in a few µs without waking anyone, less than the worker costs.
 */
export function wakesAReader(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Takes the lock; the worker holds it only for a write. Should the worker be gone while holding
 * it (ended mid-write), the main thread takes it anyway after ~2 s rather than hang.
 */
function lock(header: Int32Array): void {
  for (let tries = 0; Atomics.compareExchange(header, LOCK, 0, 1) !== 0; tries += 1) {
    if (tries >= 400) {
      Atomics.store(header, LOCK, 1);
      return;
    }
    Atomics.wait(header, LOCK, 1, 5);
  }
}

function unlock(header: Int32Array): void {
  Atomics.store(header, LOCK, 0);
  Atomics.notify(header, LOCK, 1);
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** All of `bytes`, however many writes it takes (a pipe may take part of them, or none yet). */
function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return; // the reader went away: as a write to stdout, ignored
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

/**
 * The worker: the same lock and writes as above, on its own timer. Written out (not the functions
 * above as text): the bundle may rename what they refer to.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { shared, fd, everyMs } = workerData;
const header = new Int32Array(shared, 0, 2);
const data = new Uint8Array(shared, ${HEADER_BYTES});
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(bytes) {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if (error.code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
setInterval(() => {
  if (Atomics.load(header, ${WAITING}) === 0) return;
  while (Atomics.compareExchange(header, ${LOCK}, 0, 1) !== 0) Atomics.wait(header, ${LOCK}, 1, 5);
  try {
    writeAll(data.subarray(0, header[${WAITING}]));
    header[${WAITING}] = 0;
  } finally {
    Atomics.store(header, ${LOCK}, 0);
    Atomics.notify(header, ${LOCK}, 1);
  }
}, everyMs);
`;
