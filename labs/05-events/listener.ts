/**
 * Lab 5, part 3: a listener that never loses track.
 *
 * Multicast is best effort. When a listener's receive queue is full the kernel
 * drops the notification for that listener only, counts the drop and makes
 * the next recvmsg() fail with ENOBUFS (once per overrun, not once per lost
 * message). Two clues tell a listener it missed something:
 *
 *  - ENOBUFS from the socket (the binding rejects receive() with code 'ENOBUFS');
 *  - a jump in SEQ: after seq 41 comes 45, so 42..44 are gone.
 *
 * Either way it reports an explicit gap and resynchronises: it asks GET_LOG for
 * everything after the last seq it handed out and merges that in without
 * duplicates. Notifications travel on their own socket; requests and dumps go
 * through a second one (a NetlinkClient), so a dump's replies never mix with
 * notifications.
 */
import { NetlinkSocket, NetlinkSocketError, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from '#socket';
import { NETLINK_GENERIC, openGenl, parseMessages, type NetlinkClient } from '#netlink';
import { TodoError } from '#grader';
import { resolveGroups, type GroupName } from './groups.ts';
import { decodeEvent, fetchLog, groupIndex, mergeEvents, type EventRecord } from './events.ts';

/** What the listener hands out, in order. */
export type ListenRecord =
  /** An event, received as a notification ('live') or recovered from GET_LOG ('log'). */
  | { kind: 'event'; source: 'live' | 'log'; event: EventRecord }
  /**
   * Events from..to (to unknown for ENOBUFS) did not arrive as notifications.
   * 'enobufs': the kernel reported an overrun; 'seq': SEQ jumped; 'lost': the
   * log no longer holds them either, so they are gone for good.
   */
  | { kind: 'gap'; reason: 'enobufs' | 'seq' | 'lost'; from: bigint; to?: bigint };

export interface ListenOptions {
  group: GroupName;
  /** Receive buffer in bytes (SO_RCVBUFFORCE as root, else SO_RCVBUF, which rmem_max caps). */
  rcvbuf?: number;
  /** Resynchronise from GET_LOG after every gap (default true). */
  resync?: boolean;
  /**
   * Hand out events from this seq on: those the log already holds come first.
   * Default: only events after the last one logged when the listener subscribed.
   */
  since?: bigint;
}

/** Largest datagram we accept; a notification is about 100 bytes. */
const RECEIVE_BUFFER = 65536;

/** Sets the socket's receive buffer; root may go beyond net.core.rmem_max. */
export function setReceiveBuffer(socket: NetlinkSocket, bytes: number): void {
  try {
    socket.setOption(SOL_SOCKET, SO_RCVBUFFORCE, bytes);
  } catch (error) {
    if (!(error instanceof NetlinkSocketError) || error.code !== 'EPERM') throw error;
    socket.setOption(SOL_SOCKET, SO_RCVBUF, bytes);
  }
}

export class EventListener implements AsyncIterable<ListenRecord> {
  /** Records ready to hand out (resynchronised events wait here). */
  #pending: ListenRecord[] = [];
  /** Aborted by unsubscribe(): wakes a receive that is waiting. */
  #stop = new AbortController();
  #subscribed = true;

  private constructor(
    readonly group: GroupName,
    /** Multicast group id (from nlctrl). */
    readonly groupId: number,
    readonly familyId: number,
    /** Notifications only. */
    readonly socket: NetlinkSocket,
    /** nlctrl and GET_LOG. */
    readonly client: NetlinkClient,
    /** The last seq handed out (or the starting point). */
    public lastSeq: bigint,
    readonly resync: boolean,
  ) {}

  get subscribed(): boolean {
    return this.#subscribed;
  }

  // #region open
  /** Resolves the group, joins it and fixes the starting point. */
  static async open(options: ListenOptions): Promise<EventListener> {
    const client = openGenl();
    let socket: NetlinkSocket | undefined;
    try {
      // TODO 7: Resolve the group ids (resolveGroups), open a NETLINK_GENERIC
      // socket for notifications (setReceiveBuffer when options.rcvbuf is
      // given) and join the group with socket.addMembership(id) FIRST. Then
      // fix the starting point: with options.since, lastSeq = since - 1 and
      // the log's events from `since` on are handed out first (queue the
      // result of resyncFromLog() in #pending); without it, lastSeq = the seq
      // of the newest logged event (fetchLog with count 1), or 0n if the log
      // is empty. Subscribing before asking the log is what makes this safe:
      // an event emitted in between is then either in the log (and its live
      // copy a duplicate) or arrives live, never neither.
      throw new TodoError('TODO 7 (EventListener.open)');
    } catch (error) {
      socket?.close();
      client.close();
      throw error;
    }
  }
  // #endregion open

  // #region receive
  /**
   * Waits for the next datagram of notifications and turns it into records:
   * events in seq order, with a gap (and, when resync is on, the recovered
   * events) wherever something went missing.
   */
  async receiveBatch(): Promise<ListenRecord[]> {
    // TODO 8: socket.receive({ bufferSize: RECEIVE_BUFFER, signal: this.#stop.signal }).
    // If it rejects with a NetlinkSocketError whose code is 'ENOBUFS', return
    // a gap { reason: 'enobufs', from: lastSeq + 1n } followed (when
    // this.resync) by what resyncFromLog() recovers. Other errors: rethrow.
    // Otherwise split the datagram (parseMessages), skip messages that are
    // not of type familyId, decode the rest (decodeEvent) and skip events of
    // another group. Per event, compare its seq with lastSeq:
    //   seq <= lastSeq      a duplicate (already handed out from the log): skip;
    //   seq == lastSeq + 1  the next one: hand it out, lastSeq = seq;
    //   seq >  lastSeq + 1  a gap from lastSeq + 1 to seq - 1 (reason 'seq'):
    //                       report it, resync when asked, then if lastSeq is
    //                       still below seq - 1 add a 'lost' gap for the rest
    //                       and move lastSeq to seq - 1; then handle the event
    //                       as above (the log may already have covered it).
    throw new TodoError('TODO 8 (receiveBatch)');
  }
  // #endregion receive

  // #region resync
  /** Recovers what the log holds after lastSeq; reports what it no longer holds. */
  async resyncFromLog(): Promise<ListenRecord[]> {
    // TODO 9: fetchLog(client, familyId, group, { since: lastSeq + 1n }), then
    // mergeEvents(lastSeq, log). If the first recovered seq is above
    // lastSeq + 1, the log had already overwritten the events in between:
    // report a 'lost' gap for them first. Hand out the rest with source
    // 'log', advancing lastSeq.
    throw new TodoError('TODO 9 (resyncFromLog)');
  }
  // #endregion resync

  // #region unsubscribe
  /**
   * Leaves the group. The socket stays open (close() closes it), but the
   * kernel no longer delivers this group's notifications to it, and the
   * iteration ends.
   */
  unsubscribe(): void {
    // TODO 10: Once only: socket.dropMembership(groupId), mark the listener
    // unsubscribed and abort #stop so a receive that is waiting ends.
    throw new TodoError('TODO 10 (unsubscribe)');
  }
  // #endregion unsubscribe

  close(): void {
    try {
      if (!this.socket.closed) this.unsubscribe();
    } finally {
      this.#subscribed = false;
      this.#stop.abort();
      this.socket.close();
      this.client.close();
    }
  }

  // #region iterate
  /** Hands out records until unsubscribe() or close(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ListenRecord> {
    for (;;) {
      const next = this.#pending.shift();
      if (next) {
        yield next;
        continue;
      }
      if (!this.#subscribed) return;
      try {
        this.#pending.push(...(await this.receiveBatch()));
      } catch (error) {
        if (this.#stop.signal.aborted) return; // unsubscribed while waiting
        throw error;
      }
    }
  }
  // #endregion iterate
}

/**
 * `for await (const record of listen({ group: 'events' })) ...`: opens a
 * listener, hands out its records, and closes it when the loop ends.
 */
export async function* listen(options: ListenOptions): AsyncGenerator<ListenRecord> {
  const listener = await EventListener.open(options);
  try {
    yield* listener;
  } finally {
    listener.close();
  }
}
