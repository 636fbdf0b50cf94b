/**
 * Project checks of nl_hello (not graded for students): `npm run lab 1 -- --selftest`.
 *
 * Everything here talks to the module through the course library (#netlink) and
 * #socket only, and judges by what the kernel says: replies, ACKs, error codes,
 * extended-ACK texts, /proc/nl_hello/state and the kernel log.
 */
import { defineLab, expect, type TestContext } from '#grader';
import { NetlinkSocket, NetlinkSocketError } from '#socket';
import {
  NETLINK_EXT_ACK,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SOL_NETLINK,
  concatMessages,
  encodeMessage,
  malformedMessages,
  parseErrorMessage,
  prng,
  parseMessages,
  type ParsedMessage,
} from '#netlink';
import {
  HELLO_MSG_GREET,
  HELLO_MSG_GREET_REPLY,
  HELLO_NAME_MAX,
  HELLO_UNIT_DEFAULT,
} from './nl_hello.ts';
import { readHelloState } from './state.ts';

const EINVAL = 22;
const EOPNOTSUPP = 95;


/** A name + NUL, zero-padded to 4, as a GREET payload. */
function namePayload(name: string): Uint8Array {
  const text = new TextEncoder().encode(name);
  const payload = new Uint8Array(Math.ceil((text.length + 1) / 4) * 4);
  payload.set(text);
  return payload;
}

/** One socket on the module's unit with extended ACKs; every exchange ends with a ping so silence is measurable. */
class Peer {
  readonly socket: NetlinkSocket;
  #seq = 1000;

  constructor(
    readonly t: TestContext,
    unit = HELLO_UNIT_DEFAULT,
  ) {
    this.socket = NetlinkSocket.open(unit);
    this.socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  /**
   * Sends `datagram`, then a NOOP ping in a datagram of its own, and returns every
   * message that arrived before the ping's ACK. Messages the kernel did not answer
   * simply are not in the list.
   */
  async exchange(datagram: Uint8Array, options: { skipFirst?: boolean } = {}): Promise<ParsedMessage[]> {
    if (!options.skipFirst) this.socket.send(datagram);
    const pingSeq = this.nextSeq();
    this.socket.send(encodeMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: pingSeq }));
    const seen: ParsedMessage[] = [];
    for (;;) {
      const { data, truncated } = await this.socket.receive({ signal: this.t.signal, timeoutMs: 5000 });
      if (truncated) expect.fail('a datagram from nl_hello was truncated');
      for (const message of parseMessages(data)) {
        if (message.header.seq === pingSeq && message.header.type === NLMSG_ERROR) {
          expect.equal(parseErrorMessage(message.payload, message.header.flags).error, 0, { what: 'ping ACK error' });
          return seen;
        }
        seen.push(message);
      }
    }
  }

  close(): void {
    this.socket.close();
  }
}

function text(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? payload : payload.subarray(0, nul));
}

/** Type and seq of each message, plus the error code or reply text: compact enough to compare whole exchanges. */
function summary(messages: ParsedMessage[]): string[] {
  return messages.map((m) => {
    if (m.header.type === NLMSG_ERROR) {
      const parsed = parseErrorMessage(m.payload, m.header.flags);
      return `ERROR seq=${m.header.seq} error=${parsed.error}${parsed.extAck?.message ? ` msg` : ''}`;
    }
    if (m.header.type === HELLO_MSG_GREET_REPLY) return `REPLY seq=${m.header.seq} "${text(m.payload)}"`;
    return `type=${m.header.type} seq=${m.header.seq}`;
  });
}

async function run(t: TestContext, command: string, args: string[]): Promise<void> {
  const result = await t.runProcess(command, args, { timeoutMs: 20000 });
  t.log(`${command} ${args.join(' ')} -> ${result.code} ${result.stderr.trim()}`);
  if (result.code !== 0) expect.fail(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
}

/** rmmod, retried briefly: a socket closed a moment ago may still hold the module. */
async function unload(t: TestContext): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const result = await t.runProcess('/sbin/rmmod', ['nl_hello'], { timeoutMs: 20000 });
    if (result.code === 0) return;
    if (attempt >= 20) expect.fail(`rmmod nl_hello keeps failing: ${result.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function modulePath(t: TestContext): string {
  if (!t.modulePath) return expect.fail('the grader did not say where nl_hello.ko is (t.modulePath)');
  return t.modulePath;
}

async function greetOnce(t: TestContext, unit: number, name: string): Promise<string> {
  const peer = new Peer(t, unit);
  try {
    const seq = peer.nextSeq();
    const answer = await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: namePayload(name) }));
    expect.deepEqual(summary(answer), [`REPLY seq=${seq} "Hello, ${name}!"`, `ERROR seq=${seq} error=0`], { what: 'answer to GREET' });
    return text(answer[0]!.payload);
  } finally {
    peer.close();
  }
}

function noKernelTrouble(t: TestContext): void {
  const bad = t.kernelLogSinceStart().filter((line) => /\b(BUG|WARNING|Oops|panic|general protection|refcount_t|KASAN|kmemleak)\b/.test(line));
  if (bad.length) expect.fail(`the kernel complained:\n${bad.join('\n')}`);
}

function hex2bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** A parsed message's own bytes, header included, as the kernel sent them. */
function wholeMessage(m: ParsedMessage): Uint8Array {
  const payload = m.payload;
  return new Uint8Array(payload.buffer, payload.byteOffset - 16, m.header.length);
}

export default defineLab({
  title: 'nl_hello self-test',
  module: { dir: 'kernel/01-hello', name: 'nl_hello' },
  studentFiles: [],
  firstStep: 'Build kernel/01-hello by hand (make -C /lib/modules/$(uname -r)/build M=$PWD) and read the first failure below.',
  tests: [
    {
      name: 'GREET gets the reply, then the ACK, with the same seq',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const before = readHelloState(t);
        const peer = new Peer(t);
        try {
          const seq = peer.nextSeq();
          const answer = await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: namePayload('Ada') }));
          expect.deepEqual(summary(answer), [`REPLY seq=${seq} "Hello, Ada!"`, `ERROR seq=${seq} error=0`], { what: 'answer' });
          expect.equal(answer[0]!.header.pid, peer.socket.portId, { what: 'nlmsg_pid of the reply (the receiver, as rtnetlink does)' });
          const after = readHelloState(t);
          expect.deepEqual(
            { ...after },
            { unit: HELLO_UNIT_DEFAULT, greetings: before.greetings + 1, errors: before.errors, lastName: 'Ada', lastPort: peer.socket.portId },
            { what: 'state after one greeting' },
          );
        } finally {
          peer.close();
        }
      },
    },
    {
      name: 'the ACK and the EINVAL answer have the exact bytes the lesson shows',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
        const le32 = (n: number): string => Buffer.from(Uint32Array.of(n).buffer).toString('hex');
        const peer = new Peer(t);
        try {
          const port = le32(peer.socket.portId);
          // lessons/01-hello.mdx shows these with port 1234 (d2040000).
          const ack = await peer.exchange(hex2bytes('14000000 1000 0500 01000000 00000000 41646100'));
          expect.equal(ack.length, 2, { what: 'answers to GREET "Ada" (reply and ACK)' });
          expect.equal(
            hex(wholeMessage(ack[1]!)),
            ['24000000', '0200', '0001', '01000000', port, '00000000', '14000000', '1000', '0500', '01000000', '00000000'].join(''),
            { what: 'ACK bytes' },
          );
          const einval = await peer.exchange(hex2bytes('14000000 1000 0500 02000000 00000000 00000000'));
          expect.equal(einval.length, 1, { what: 'answers to GREET "" (the error only)' });
          expect.equal(
            hex(wholeMessage(einval[0]!)),
            ['3c000000', '0200', '0002', '02000000', port, 'eaffffff', '14000000', '1000', '0500', '02000000', '00000000', '00000000',
              '1200', '0100', '6e616d6520697320656d70747900', '0000'].join(''),
            { what: 'EINVAL bytes' },
          );
        } finally {
          peer.close();
        }
      },
    },
    {
      name: 'flags: no ACK without NLM_F_ACK, nothing without NLM_F_REQUEST, NOOP is a ping',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const before = readHelloState(t);
        const peer = new Peer(t);
        try {
          const a = peer.nextSeq();
          expect.deepEqual(
            summary(await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST, seq: a, payload: namePayload('Bo') }))),
            [`REPLY seq=${a} "Hello, Bo!"`],
            { what: 'GREET with REQUEST only' },
          );
          const b = peer.nextSeq();
          expect.deepEqual(
            summary(await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: 0, seq: b, payload: namePayload('Cy') }))),
            [],
            { what: 'GREET without REQUEST (ignored)' },
          );
          const c = peer.nextSeq();
          expect.deepEqual(
            summary(await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_ACK, seq: c, payload: namePayload('Di') }))),
            [`ERROR seq=${c} error=0`],
            { what: 'GREET with ACK but without REQUEST (ACK only)' },
          );
          const d = peer.nextSeq();
          expect.deepEqual(
            summary(await peer.exchange(encodeMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: d }))),
            [`ERROR seq=${d} error=0`],
            { what: 'NOOP ping' },
          );
          const after = readHelloState(t);
          expect.equal(after.greetings, before.greetings + 1, { what: 'greetings (only Bo was greeted)' });
          expect.equal(after.errors, before.errors, { what: 'errors' });
          expect.equal(after.lastName, 'Bo', { what: 'last_name' });
        } finally {
          peer.close();
        }
      },
    },
    {
      name: 'several messages in one datagram are answered in order',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const peer = new Peer(t);
        try {
          const seqs = [peer.nextSeq(), peer.nextSeq(), peer.nextSeq()];
          const names = ['Ann', 'Grace Hopper', 'Zoë'];
          const datagram = concatMessages(
            names.map((name, i) => encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, seq: seqs[i]!, payload: namePayload(name) })),
          );
          expect.deepEqual(
            summary(await peer.exchange(datagram)),
            names.flatMap((name, i) => [`REPLY seq=${seqs[i]} "Hello, ${name}!"`, `ERROR seq=${seqs[i]} error=0`]),
            { what: 'answers to three GREETs in one datagram' },
          );
        } finally {
          peer.close();
        }
      },
    },
    {
      name: 'bad requests get real errnos with extended-ACK messages and are counted',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const before = readHelloState(t);
        const peer = new Peer(t);
        const cases: [string, number, Uint8Array, number][] = [
          ['empty payload', HELLO_MSG_GREET, new Uint8Array(0), EINVAL],
          ['empty name', HELLO_MSG_GREET, new Uint8Array(4), EINVAL],
          ['no NUL', HELLO_MSG_GREET, new TextEncoder().encode('Adam'), EINVAL],
          ['64-byte name', HELLO_MSG_GREET, namePayload('x'.repeat(HELLO_NAME_MAX)), EINVAL],
          ['65-byte payload with early NUL', HELLO_MSG_GREET, new Uint8Array([0x41, ...new Array<number>(64).fill(0)]), EINVAL],
          ['control character', HELLO_MSG_GREET, namePayload('A\nB'), EINVAL],
          ['garbage after NUL', HELLO_MSG_GREET, new Uint8Array([0x41, 0, 0x42, 0]), EINVAL],
          ['unknown type 0x12', 0x12, namePayload('Ada'), EOPNOTSUPP],
          ['GREET_REPLY sent to the kernel', HELLO_MSG_GREET_REPLY, namePayload('Ada'), EOPNOTSUPP],
        ];
        try {
          for (const [what, type, payload, errno] of cases) {
            const seq = peer.nextSeq();
            const answer = await peer.exchange(encodeMessage({ type, flags: NLM_F_REQUEST, seq, payload }));
            expect.equal(answer.length, 1, { what: `number of answers to "${what}" (an error is sent even without NLM_F_ACK)` });
            const parsed = parseErrorMessage(answer[0]!.payload, answer[0]!.header.flags);
            t.log(`${what}: ${parsed.error} "${parsed.extAck?.message ?? ''}"`);
            expect.equal(parsed.error, -errno, { what: `error for "${what}"` });
            expect.equal(answer[0]!.header.seq, seq, { what: `seq of the error for "${what}"` });
            if (!parsed.extAck?.message) expect.fail(`"${what}" must carry an extended-ACK message`);
            expect.equal(parsed.request.seq, seq, { what: `echoed request seq for "${what}"` });
          }
        } finally {
          peer.close();
        }
        const after = readHelloState(t);
        expect.equal(after.errors, before.errors + cases.length, { what: 'errors counter' });
        expect.equal(after.greetings, before.greetings, { what: 'greetings counter' });
      },
    },
    {
      name: 'the longest name (63 bytes + NUL) is served',
      points: 1,
      timeoutMs: 15000,
      run: async (t) => {
        const name = 'y'.repeat(HELLO_NAME_MAX - 1);
        await greetOnce(t, HELLO_UNIT_DEFAULT, name);
        expect.equal(readHelloState(t).lastName, name, { what: 'last_name' });
      },
    },
    {
      name: 'interleaved clients each get their own answers and the counters add up',
      points: 1,
      timeoutMs: 30000,
      run: async (t) => {
        const before = readHelloState(t);
        const peers = Array.from({ length: 6 }, () => new Peer(t));
        const rounds = 25;
        try {
          await Promise.all(
            peers.map(async (peer, p) => {
              for (let i = 0; i < rounds; i++) {
                const seq = peer.nextSeq();
                const name = `peer${p}-${i}`;
                const answer = await peer.exchange(encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: namePayload(name) }));
                expect.deepEqual(summary(answer), [`REPLY seq=${seq} "Hello, ${name}!"`, `ERROR seq=${seq} error=0`], { what: `answer for ${name}` });
              }
            }),
          );
        } finally {
          for (const peer of peers) peer.close();
        }
        expect.equal(readHelloState(t).greetings, before.greetings + peers.length * rounds, { what: 'greetings counter' });
      },
    },
    {
      name: 'survives a few hundred malformed datagrams and its state stays consistent',
      points: 1,
      timeoutMs: 120000,
      run: async (t) => {
        const before = readHelloState(t);
        // The library's framing cases (bad lengths, truncation, odd flags and types)
        // plus GREETs whose payload is random: valid names, unterminated, too long.
        const random = prng(0x014e4c);
        const int = (n: number): number => Math.floor(random() * n);
        const datagrams = [
          ...malformedMessages({ seed: 31, count: 300, messageTypes: [HELLO_MSG_GREET, HELLO_MSG_GREET_REPLY] }),
          ...Array.from({ length: 100 }, (_, i) => {
            const name = Array.from({ length: int(80) }, () => 0x20 + int(0x5f));
            const payload = Uint8Array.from([...name, ...new Array<number>(int(5)).fill(0)]);
            return encodeMessage({ type: HELLO_MSG_GREET, flags: [NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK, 0][int(3)]!, seq: 0x10000 + i, payload });
          }),
        ];
        const peer = new Peer(t);
        let replies = 0;
        let errors = 0;
        const sendErrors = new Map<string, number>();
        try {
          for (const datagram of datagrams) {
            let answer: ParsedMessage[];
            try {
              answer = await peer.exchange(datagram);
            } catch (error) {
              // The socket layer itself may refuse a datagram (an empty one is ENODATA): not the module's business.
              if (!(error instanceof NetlinkSocketError) || error.syscall !== 'sendto') throw error;
              sendErrors.set(error.code, (sendErrors.get(error.code) ?? 0) + 1);
              answer = await peer.exchange(new Uint8Array(0), { skipFirst: true });
            }
            for (const m of answer) {
              if (m.header.type === HELLO_MSG_GREET_REPLY) replies++;
              else if (m.header.type === NLMSG_ERROR && parseErrorMessage(m.payload, m.header.flags).error !== 0) errors++;
            }
          }
        } finally {
          peer.close();
        }
        t.log(`${datagrams.length} datagrams: ${replies} greetings, ${errors} errors, send refused: ${JSON.stringify([...sendErrors])}`);
        const after = readHelloState(t);
        expect.equal(after.greetings - before.greetings, replies, { what: 'greetings counted by the kernel vs replies received' });
        expect.equal(after.errors - before.errors, errors, { what: 'errors counted by the kernel vs errors received' });
        if (!(replies > 0 && errors > 0)) expect.fail(`the run should provoke both replies and errors (got ${replies} and ${errors})`);
        await greetOnce(t, HELLO_UNIT_DEFAULT, 'still here');
        noKernelTrouble(t);
      },
    },
    {
      name: 'unloads and loads again, twice, and serves after each load',
      points: 1,
      timeoutMs: 90000,
      run: async (t) => {
        const ko = modulePath(t);
        for (let round = 1; round <= 2; round++) {
          await unload(t);
          await expect.throws(
            () => NetlinkSocket.open(HELLO_UNIT_DEFAULT),
            (e): e is NetlinkSocketError => e instanceof NetlinkSocketError && e.code === 'EPROTONOSUPPORT',
            `round ${round}: with nl_hello unloaded, unit ${HELLO_UNIT_DEFAULT} must be gone`,
          );
          await run(t, '/sbin/insmod', [ko]);
          const state = readHelloState(t);
          expect.deepEqual(state, { unit: HELLO_UNIT_DEFAULT, greetings: 0, errors: 0, lastName: '', lastPort: 0 }, { what: `round ${round}: fresh state` });
          await greetOnce(t, HELLO_UNIT_DEFAULT, `round ${round}`);
        }
        noKernelTrouble(t);
      },
    },
    {
      name: 'the unit parameter moves the service and bad units are refused',
      points: 1,
      timeoutMs: 90000,
      run: async (t) => {
        const ko = modulePath(t);
        await unload(t);
        try {
          for (const bad of ['unit=32', 'unit=-1', 'unit=0']) {
            const result = await t.runProcess('/sbin/insmod', [ko, bad], { timeoutMs: 20000 });
            t.log(`insmod ${bad} -> ${result.code} ${result.stderr.trim()}`);
            if (result.code === 0) expect.fail(`insmod nl_hello ${bad} must fail (unit 0 belongs to rtnetlink, 32 and -1 are out of range)`);
          }
          await run(t, '/sbin/insmod', [ko, 'unit=29']);
          expect.equal(t.readKernelFile('/sys/module/nl_hello/parameters/unit').trim(), '29', { what: 'unit parameter in sysfs' });
          expect.equal(readHelloState(t).unit, 29, { what: 'unit in /proc state' });
          await greetOnce(t, 29, 'on 29');
          await unload(t);
        } finally {
          // Leave the module loaded with its defaults for whatever runs next.
          await t.runProcess('/sbin/insmod', [ko], { timeoutMs: 20000 });
        }
        await greetOnce(t, HELLO_UNIT_DEFAULT, 'back on 31');
        noKernelTrouble(t);
      },
    },
  ],
});
