import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moveBrokers } from './cli-move-brokers.js';

// Issue 13 §3 end to end: 50,000 jobs moved from RabbitMQ to NATS by the `polyqueue move`
// process while a producer keeps sending to RabbitMQ; the move is SIGKILLed once mid-way and run
// again; then both brokers are drained and every job id counted. The fault is the killed CLI, not
// a broker: the shared RabbitMQ and NATS are used, under prefixes of this run, deleted at the end.
const JOBS = 50_000;
const KILL_AT = 20_000;
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const brokers = moveBrokers('movefault', ['work']);
const { from, to } = brokers;

/** Starts `polyqueue move work --json`; `onMoved` hears each NDJSON progress line's count. */
function startMove(onMoved: (moved: number) => void = () => undefined): {
  child: ChildProcess;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@polyqueue/source',
      BIN,
      'move',
      'work',
      '--from',
      from,
      '--to',
      to,
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const record = JSON.parse(line) as { moved?: number };
      if (typeof record.moved === 'number') onMoved(record.moved);
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== null && code !== 0) console.error(stderr);
      resolve(code);
    }),
  );
  return { child, exited };
}

async function sendRange(first: number, count: number): Promise<string[]> {
  const results = await brokers.rabbit
    .queue('work')
    .sendBatch(Array.from({ length: count }, (_, i) => ({ payload: { n: first + i } })));
  return results.map((result) => {
    if (!result.ok) throw result.error;
    return result.id;
  });
}

/** Handles every job on both brokers until all of `ids` came and nothing more came for 3 s. */
async function drainBoth(ids: ReadonlySet<string>): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let lastAt = Date.now();
  const handler = async (job: { id: string }) => {
    seen.set(job.id, (seen.get(job.id) ?? 0) + 1);
    lastAt = Date.now();
  };
  const workers = [
    brokers.rabbit.queue('work').process(handler, { concurrency: 64 }),
    brokers.nats.queue('work').process(handler, { concurrency: 64, prefetch: 256 }),
  ];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const complete = [...ids].every((id) => seen.has(id));
    if (complete && Date.now() - lastAt > 3_000) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await Promise.all(workers.map((worker) => worker.close({ timeoutMs: 5_000 })));
  return seen;
}

describe('polyqueue move under SIGKILL', () => {
  it(`${JOBS} jobs RabbitMQ -> NATS while a producer sends, move killed once and rerun: 0 lost`, async () => {
    const started = Date.now();
    const ids = new Set<string>();
    for (let first = 0; first < JOBS; first += 1_000)
      for (const id of await sendRange(first, 1_000)) ids.add(id);
    const sentAt = Date.now();

    // The producer that keeps sending to the old broker (not yet switched) through both runs.
    let producing = true;
    let next = JOBS;
    const producer = (async () => {
      while (producing) {
        for (const id of await sendRange(next, 50)) ids.add(id);
        next += 50;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    let killedAt = 0;
    const first = startMove((moved) => {
      if (killedAt === 0 && moved >= KILL_AT) {
        killedAt = moved;
        first.child.kill('SIGKILL');
      }
    });
    expect(await first.exited).toBe(null);
    const killedAfter = Date.now();

    const second = startMove();
    // Let the producer overlap the rerun for a while, then stop it so the move can drain.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    producing = false;
    await producer;
    expect(await second.exited).toBe(0);
    const movedAt = Date.now();

    const seen = await drainBoth(ids);
    const lost = [...ids].filter((id) => !seen.has(id));
    const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    const foreign = [...seen.keys()].filter((id) => !ids.has(id)).length;
    console.log(
      `move fault: ${ids.size} jobs sent (${JOBS} before, ${ids.size - JOBS} by the producer during the move); ` +
        `send ${((sentAt - started) / 1000).toFixed(1)} s; first run SIGKILLed after ${killedAt} moved ` +
        `(${((killedAfter - sentAt) / 1000).toFixed(1)} s); rerun to drained at ${((movedAt - sentAt) / 1000).toFixed(1)} s; ` +
        `handled ${seen.size} distinct: lost ${lost.length}, duplicates ${duplicates}, unknown ids ${foreign}`,
    );
    expect(lost).toEqual([]);
    expect(foreign).toBe(0);
  });
});
