/** The two subscriptions a worker pulls from. */
export type SourceName = 'ready' | 'work';

export interface RoomSplit {
  readonly ready: number;
  readonly work: number;
}

/**
 * How many messages to ask each subscription for, out of `room`: the worker's free room less what
 * pulls already in flight have reserved. The two sizes never sum to more than `room`, so the
 * concurrency + prefetch bound holds on the wire (F2).
 *
 * - `canPull`: a subscription with a pull in flight, or just back empty, gets nothing now.
 * - `want`: from what each got last time (`nextWant`), so that an idle subscription holds one
 *   slot, not half the room, while it waits (a long poll on real Pub/Sub may hold its slots for
 *   seconds).
 * - When both can pull, `ready` (retries and due delayed jobs, older than new work) gets up to half
 *   the room and `work` the rest; either takes what the other does not want. Both get at least one
 *   slot whenever there are two, and with a single slot they take turns (`turn`): neither starves.
 */
export function splitRoom(
  room: number,
  canPull: Readonly<Record<SourceName, boolean>>,
  want: Readonly<Record<SourceName, number>>,
  turn: SourceName,
): RoomSplit {
  if (room <= 0) return NONE;
  if (!canPull.ready && !canPull.work) return NONE;
  if (!canPull.work) return { ready: Math.min(room, want.ready), work: 0 };
  if (!canPull.ready) return { ready: 0, work: Math.min(room, want.work) };
  if (room === 1) return turn === 'ready' ? { ready: 1, work: 0 } : { ready: 0, work: 1 };
  let ready = Math.max(1, Math.min(want.ready, Math.ceil(room / 2)));
  const work = Math.max(1, Math.min(want.work, room - ready));
  ready = Math.max(1, Math.min(want.ready, room - work));
  return { ready, work };
}

/**
 * What a subscription should ask for next, after asking for `asked` and getting `got`: twice as
 * many after a full answer, the same after a short one (Pub/Sub often answers with fewer than asked
 * while messages keep coming). After an empty answer, one on a long poll (the subscription is
 * idle, and a long poll holds its slots while it waits); on an emulator, polled with answers that
 * come at once and hold nothing, the same again: dropping to one would make a busy queue whose
 * backlog ran dry for a moment climb back one doubling per round trip.
 */
export function nextWant(asked: number, got: number, longPoll: boolean): number {
  if (got === 0) return longPoll ? 1 : asked;
  return got >= asked ? asked * 2 : asked;
}

const NONE: RoomSplit = Object.freeze({ ready: 0, work: 0 });
