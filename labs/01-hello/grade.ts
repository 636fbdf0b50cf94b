/**
 * Graded tests of lab 1 (Hello, netlink).
 *
 * Byte-level tests use hand-written vectors; kernel tests check what the kernel
 * itself reports (/proc/nl_hello/state) and what a reference client built on
 * #netlink sees, not only what the student's code returns.
 */
import { TodoError, defineLab, expect, type ProcessResult, type TestContext } from '#grader';
import { NetlinkSocket } from '#socket';
import {
  NETLINK_EXT_ACK,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SOL_NETLINK,
  concatMessages,
  encodeMessage,
  parseErrorMessage,
  parseMessages,
  type ParsedMessage,
} from '#netlink';
import {
  HELLO_MSG_GREET,
  HELLO_MSG_GREET_REPLY,
  HELLO_UNIT_DEFAULT,
} from '#kernel/01-hello/nl_hello.ts';
import { readHelloState } from '#kernel/01-hello/state.ts';
import * as hello from './hello.ts';

/* ---------- helpers: little-endian byte vectors written by hand ---------- */

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const hdr = (len: number, type: number, flags: number, seq: number, pid: number): number[] => [
  ...u32(len),
  ...u16(type),
  ...u16(flags),
  ...u32(seq),
  ...u32(pid),
];

// An unfinished TODO is reported as "not done yet", not as a wrong kind of error.
function isFramingError(error: unknown): error is hello.FramingError {
  if (error instanceof TodoError) throw error;
  return error instanceof hello.FramingError;
}

function isHelloError(error: unknown): error is hello.HelloError {
  if (error instanceof TodoError) throw error;
  return error instanceof hello.HelloError;
}

/** A CLI that died on a starter stub counts as that TODO not done yet. */
function cliTodo(result: ProcessResult): void {
  const todo = /TodoError: (TODO \d+ \([^)]*\))/.exec(result.stderr);
  if (todo?.[1]) throw new TodoError(todo[1]);
}

/** An NLMSG_ERROR message as splitDatagram would hand it over. */
function errorMessage(flags: number, payload: number[]): hello.Message {
  return {
    header: { len: 16 + payload.length, type: NLMSG_ERROR, flags, seq: 9, pid: 4321 },
    payload: Uint8Array.from(payload),
  };
}

/* ---------- helpers: the kernel's truth ---------- */


/**
 * Reference client (#netlink framing): sends one datagram on its own socket and
 * collects every message with `seq` up to and including the NLMSG_ERROR that
 * answers it.
 */
async function referenceExchange(t: TestContext, datagram: Uint8Array, seq: number): Promise<ParsedMessage[]> {
  const socket = NetlinkSocket.open(HELLO_UNIT_DEFAULT);
  try {
    socket.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    socket.send(datagram);
    const seen: ParsedMessage[] = [];
    for (;;) {
      const { data } = await socket.receive({ signal: t.signal, timeoutMs: Math.min(5000, t.remainingMs()) });
      for (const message of parseMessages(data)) {
        if (message.header.seq !== seq) continue;
        seen.push(message);
        if (message.header.type === NLMSG_ERROR) return seen;
      }
    }
  } finally {
    socket.close();
  }
}

/** The kernel's extended-ACK text for a greeting with this name, as the reference client reads it. */
async function kernelErrorFor(t: TestContext, name: string): Promise<{ error: number; message: string | undefined }> {
  const seq = 0x5eed;
  const text = new TextEncoder().encode(name);
  const payload = new Uint8Array(Math.ceil((text.length + 1) / 4) * 4);
  payload.set(text);
  const answer = await referenceExchange(
    t,
    encodeMessage({ type: HELLO_MSG_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload }),
    seq,
  );
  const last = answer[answer.length - 1];
  if (!last) throw new Error('the reference client got no answer from nl_hello');
  const parsed = parseErrorMessage(last.payload, last.header.flags);
  return { error: parsed.error, message: parsed.extAck?.message };
}

const KERNEL = 15000;
const CLI = 30000;

export default defineLab({
  title: 'Hello, netlink',
  module: { dir: 'kernel/01-hello', name: 'nl_hello' },
  studentFiles: ['hello.ts', 'greet.ts'],
  firstStep:
    'Open labs/01-hello/hello.ts and do TODO 1 (encodeHeader): write the five header fields into a 16-byte Uint8Array with a DataView, then run `npm run lab 1` again.',
  tests: [
    /* ---------------- framing, no kernel needed ---------------- */
    {
      name: 'encodeHeader writes the 16-byte nlmsghdr',
      points: 2,
      rule: 'nlmsghdr is len u32, type u16, flags u16, seq u32, pid u32, in host byte order (little-endian on x86)',
      hint: 'Use a DataView over a new Uint8Array(16) and pass littleEndian = true; set the u32 fields with setUint32 so 0xffffffff stays positive.',
      run: () => {
        expect.bytes(
          hello.encodeHeader({ len: 0x24, type: 0x10, flags: 0x0005, seq: 0xffffffff, pid: 0x01020304 }),
          [0x24, 0, 0, 0, 0x10, 0, 0x05, 0, 0xff, 0xff, 0xff, 0xff, 0x04, 0x03, 0x02, 0x01],
          { decode: 'nlmsg', what: 'header bytes', rule: 'field order len, type, flags, seq, pid; little-endian' },
        );
      },
    },
    {
      name: 'decodeHeader reads a header at an offset inside a view',
      points: 2,
      rule: 'every field is read from its own offset relative to the start of the header',
      hint: 'Build the DataView with (bytes.buffer, bytes.byteOffset, bytes.byteLength): a Uint8Array can be a window into a bigger buffer.',
      run: () => {
        const backing = Uint8Array.from([0xaa, 0xbb, 0xcc, 0xdd, 0x99, 0x99, ...hdr(0x2c, 0x11, 0x0102, 0x01020304, 0xfffffffe)]);
        const window = backing.subarray(2); // byteOffset 2: the header starts 4 bytes into the window
        expect.deepEqual(
          hello.decodeHeader(window, 4),
          { len: 0x2c, type: 0x11, flags: 0x0102, seq: 0x01020304, pid: 0xfffffffe },
          { what: 'decoded header' },
        );
      },
    },
    {
      name: 'decodeHeader refuses fewer than 16 bytes',
      points: 1,
      rule: 'a parser never reads past the bytes it was given: a header needs 16 bytes',
      hint: 'Compare bytes.length - offset with 16 before reading, and throw new FramingError(...).',
      run: async () => {
        await expect.throws(() => hello.decodeHeader(new Uint8Array(15)), isFramingError, 'decodeHeader(15 bytes) must throw a FramingError');
        await expect.throws(() => hello.decodeHeader(new Uint8Array(20), 8), isFramingError, 'decodeHeader(20 bytes, offset 8) must throw a FramingError');
      },
    },
    {
      name: 'align4 rounds up like NLMSG_ALIGN',
      points: 1,
      rule: 'NLMSG_ALIGN(n) is the next multiple of 4 at or above n',
      hint: '(n + 3) & ~3 works for small numbers; Math.ceil(n / 4) * 4 works for all.',
      run: () => {
        const inputs = [0, 1, 2, 3, 4, 5, 16, 17, 29, 64, 65];
        expect.deepEqual(inputs.map((n) => hello.align4(n)), [0, 4, 4, 4, 4, 8, 16, 20, 32, 64, 68], { what: `align4 of ${inputs.join(', ')}` });
      },
    },
    {
      name: 'encodeGreeting builds a GREET request',
      points: 3,
      rule: 'GREET: type 0x10, flags REQUEST|ACK, payload = name + NUL padded to 4, nlmsg_len = 16 + padded payload',
      hint: '"Ada" is 3 bytes; with its NUL 4, already aligned, so nlmsg_len is 20. Flags are NLM_F_REQUEST (1) | NLM_F_ACK (4) = 5.',
      run: () => {
        expect.bytes(hello.encodeGreeting('Ada', 7), [...hdr(20, 0x10, 5, 7, 0), ...ascii('Ada'), 0], {
          decode: 'nlmsg',
          what: 'encodeGreeting("Ada", 7)',
        });
        expect.bytes(hello.encodeGreeting('Grace', 8), [...hdr(24, 0x10, 5, 8, 0), ...ascii('Grace'), 0, 0, 0], {
          decode: 'nlmsg',
          what: 'encodeGreeting("Grace", 8)',
          rule: 'padding bytes are zero and nlmsg_len counts them (payload "Grace\\0" padded to 8 bytes)',
        });
      },
    },
    {
      name: 'encodeGreeting encodes the name as UTF-8',
      points: 2,
      rule: 'the payload is UTF-8: "Zoë" is 4 bytes (ë is 0xc3 0xab), not 3 characters',
      hint: 'Use new TextEncoder().encode(name) and size the payload from the encoded length, not name.length.',
      run: () => {
        expect.bytes(hello.encodeGreeting('Zoë', 1), [...hdr(24, 0x10, 5, 1, 0), 0x5a, 0x6f, 0xc3, 0xab, 0, 0, 0, 0], {
          decode: 'nlmsg',
          what: 'encodeGreeting("Zoë", 1)',
        });
      },
    },
    {
      name: 'splitDatagram finds every message of a datagram',
      points: 3,
      rule: 'several messages share one datagram; each starts at NLMSG_ALIGN(nlmsg_len) after the previous one; the last may be unpadded',
      hint: 'Advance by align4(header.len), not by header.len, and stop when the offset reaches the end.',
      run: () => {
        const datagram = Uint8Array.from([
          ...hdr(21, 0x11, 0, 5, 77), ...ascii('Hi!!'), 0, 0, 0, 0, // 21 bytes + 3 padding
          ...hdr(16, NLMSG_NOOP, 0, 6, 77),
          ...hdr(18, 0x11, 2, 7, 77), 0x41, 0x00, // last message, no padding
        ]);
        const messages = hello.splitDatagram(datagram);
        expect.deepEqual(
          messages.map((m) => ({ header: m.header, payload: [...m.payload] })),
          [
            { header: { len: 21, type: 0x11, flags: 0, seq: 5, pid: 77 }, payload: [...ascii('Hi!!'), 0] },
            { header: { len: 16, type: NLMSG_NOOP, flags: 0, seq: 6, pid: 77 }, payload: [] },
            { header: { len: 18, type: 0x11, flags: 2, seq: 7, pid: 77 }, payload: [0x41, 0x00] },
          ],
          { what: 'messages (payload = the nlmsg_len - 16 bytes after each header)' },
        );
      },
    },
    {
      name: 'splitDatagram rejects malformed lengths',
      points: 2,
      rule: 'reject nlmsg_len < 16 (it counts the header), nlmsg_len past the end, and leftover bytes too short for a header',
      hint: 'Check header.len < 16 and offset + header.len > bytes.length before slicing; an nlmsg_len of 0 would otherwise loop forever.',
      run: async () => {
        const cases: [string, number[]][] = [
          ['nlmsg_len 0', [...hdr(0, 0x11, 0, 1, 0)]],
          ['nlmsg_len 12', [...hdr(12, 0x11, 0, 1, 0)]],
          ['nlmsg_len 40 in a 20-byte datagram', [...hdr(40, 0x11, 0, 1, 0), 1, 2, 3, 4]],
          ['second message past the end', [...hdr(16, NLMSG_NOOP, 0, 1, 0), ...hdr(64, 0x11, 0, 2, 0)]],
          ['8 stray bytes after a message', [...hdr(16, NLMSG_NOOP, 0, 1, 0), 1, 2, 3, 4, 5, 6, 7, 8]],
        ];
        for (const [what, bytes] of cases) {
          await expect.throws(() => hello.splitDatagram(Uint8Array.from(bytes)), isFramingError, `splitDatagram(${what}) must throw a FramingError`);
        }
      },
    },
    {
      name: 'errorFromMessage: error 0 is an ACK',
      points: 1,
      rule: 'an NLMSG_ERROR whose error field is 0 is an acknowledgement, not an error',
      hint: 'Read the first 4 bytes of the payload as a signed 32-bit integer; 0 means return null.',
      run: () => {
        const ack = errorMessage(0x100 /* CAPPED */, [...u32(0), ...hdr(20, 0x10, 5, 9, 0)]);
        expect.equal(hello.errorFromMessage(ack), null, { what: 'errorFromMessage(ACK)' });
      },
    },
    {
      name: 'errorFromMessage: negative errno becomes a HelloError',
      points: 2,
      rule: 'the error field is a NEGATIVE errno: -95 is EOPNOTSUPP, errno 95',
      hint: 'Use getInt32 (signed), then errno = -error. The error name comes from errnoName() in #netlink.',
      run: async () => {
        const message = errorMessage(0, [...u32(-95 >>> 0), ...hdr(20, 0x42, 5, 9, 0), ...ascii('Ada'), 0]);
        const error = await expect.throws(
          () => {
            const result = hello.errorFromMessage(message);
            if (result) throw result;
            return result;
          },
          isHelloError,
          'errorFromMessage(-95) must return a HelloError',
        );
        expect.equal(error.errno, 95, { what: 'errno', rule: 'errno is positive: the wire carries -95' });
        expect.equal(error.code, 'EOPNOTSUPP', { what: 'code' });
        expect.equal(error.extAckMessage, undefined, { what: 'extAckMessage (no NLM_F_ACK_TLVS flag, so none)' });
      },
    },
    {
      name: 'errorFromMessage reads the extended-ACK message after the echoed request',
      points: 3,
      rule: 'with NLM_F_ACK_TLVS, TLVs start at align4(4 + echoed nlmsg_len); NLMSGERR_ATTR_MSG (1) is NUL-terminated text; other TLVs may come first',
      hint: 'The echoed request here is 22 bytes long, so the TLVs start at 4 + 24 = 28. Walk them: len (u16, header included), type (u16), value, next at align4(len).',
      run: () => {
        const text = 'name is empty';
        const message = errorMessage(0x200 /* ACK_TLVS */, [
          ...u32(-22 >>> 0),
          ...hdr(22, 0x10, 5, 9, 0), ...ascii('Grace'), 0, // echoed request, 22 bytes
          0, 0, // padding to 24
          ...u16(8), ...u16(2), ...u32(16), // NLMSGERR_ATTR_OFFS first
          ...u16(4 + text.length + 1), ...u16(1), ...ascii(text), 0, 0, 0, // NLMSGERR_ATTR_MSG + padding
        ]);
        const error = hello.errorFromMessage(message);
        if (!(error instanceof hello.HelloError)) return expect.fail('errorFromMessage(-22 with TLVs) must return a HelloError');
        expect.equal(error.errno, 22, { what: 'errno' });
        expect.equal(error.code, 'EINVAL', { what: 'code' });
        expect.equal(error.extAckMessage, text, { what: 'extAckMessage' });
        expect.equal(error.message, `EINVAL (Invalid argument): ${text}`, { what: 'message' });
      },
    },
    {
      name: 'errorFromMessage honours NLM_F_CAPPED',
      points: 2,
      rule: 'with NLM_F_CAPPED only the 16-byte header of the request is echoed, even though its nlmsg_len says more',
      hint: 'If flags & NLM_F_CAPPED (0x100), the TLVs start at 4 + 16 = 20 whatever the echoed nlmsg_len is.',
      run: () => {
        const text = 'unknown type';
        const message = errorMessage(0x300 /* CAPPED | ACK_TLVS */, [
          ...u32(-95 >>> 0),
          ...hdr(40, 0x42, 5, 9, 0), // says 40 bytes, but only the header is here
          ...u16(4 + text.length + 1), ...u16(1), ...ascii(text), 0, 0, 0,
        ]);
        const error = hello.errorFromMessage(message);
        if (!(error instanceof hello.HelloError)) return expect.fail('errorFromMessage(-95, capped) must return a HelloError');
        expect.equal(error.code, 'EOPNOTSUPP', { what: 'code' });
        expect.equal(error.extAckMessage, text, { what: 'extAckMessage' });
      },
    },
    {
      name: 'errorFromMessage refuses a truncated payload',
      points: 1,
      rule: 'an NLMSG_ERROR payload holds at least the 4-byte error and the 16-byte echoed header',
      hint: 'Check payload.length >= 20 first and throw a FramingError otherwise.',
      run: async () => {
        await expect.throws(
          () => hello.errorFromMessage(errorMessage(0, [...u32(-22 >>> 0), 1, 2, 3])),
          isFramingError,
          'errorFromMessage(7-byte payload) must throw a FramingError',
        );
      },
    },

    /* ---------------- against the kernel module ---------------- */
    {
      name: 'greet gets the kernel greeting and the kernel counts it',
      points: 4,
      timeoutMs: KERNEL,
      rule: 'the reply HELLO_MSG_GREET_REPLY carries "Hello, <name>!"; /proc/nl_hello/state counts it under your socket\'s port',
      hint: 'Send encodeGreeting(name, seq), then read datagrams until the ACK; the greeting is the reply payload up to its NUL.',
      run: async (t) => {
        const before = readHelloState(t);
        const client = hello.HelloClient.open();
        try {
          const greeting = await client.greet('Ada Lovelace');
          expect.equal(greeting, 'Hello, Ada Lovelace!', { what: 'greeting' });
          const after = readHelloState(t);
          t.log(`state before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
          expect.equal(after.greetings, before.greetings + 1, { what: 'greetings counter in the kernel', rule: 'exactly one GREET reached the kernel' });
          expect.equal(after.lastName, 'Ada Lovelace', { what: 'last_name in the kernel' });
          expect.equal(after.lastPort, client.portId, { what: 'last_port in the kernel (your socket\'s port id)' });
        } finally {
          client.close();
        }
      },
    },
    {
      name: 'greet() on its own socket handles UTF-8',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'names are UTF-8 both ways',
      hint: 'Decode the reply with new TextDecoder().decode(...) up to the first NUL.',
      run: async (t) => {
        expect.equal(await hello.greet('Zoë'), 'Hello, Zoë!', { what: 'greet("Zoë")' });
        expect.equal(readHelloState(t).lastName, 'Zoë', { what: 'last_name in the kernel' });
      },
    },
    {
      name: 'the kernel accepts encodeGreeting\'s bytes and answers with the same seq',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'the kernel echoes nlmsg_seq; with NLM_F_ACK the ACK (error 0) follows the reply',
      hint: 'If this fails while the byte tests pass, look at nlmsg_len: it must equal the bytes you send.',
      run: async (t) => {
        const seq = 4242;
        const answer = await referenceExchange(t, hello.encodeGreeting('Grace', seq), seq);
        t.log(answer.map((m) => `type ${m.header.type} seq ${m.header.seq}`).join('; '));
        expect.deepEqual(
          answer.map((m) => m.header.type),
          [HELLO_MSG_GREET_REPLY, NLMSG_ERROR],
          { what: 'message types the reference client received for seq 4242' },
        );
        const [reply, ack] = answer as [ParsedMessage, ParsedMessage];
        expect.equal(new TextDecoder().decode(reply.payload).replace(/\0+$/, ''), 'Hello, Grace!', { what: 'reply text' });
        expect.equal(parseErrorMessage(ack.payload, ack.header.flags).error, 0, { what: 'ACK error code' });
      },
    },
    {
      name: 'ping gets an ACK and touches nothing',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'NLMSG_NOOP with NLM_F_REQUEST|NLM_F_ACK is answered by an ACK from netlink_rcv_skb; the module\'s handler never sees it',
      hint: 'Send just a 16-byte header (type 1, flags 5) and wait for the NLMSG_ERROR with your seq and error 0.',
      run: async (t) => {
        const before = readHelloState(t);
        const client = hello.HelloClient.open();
        try {
          await client.ping();
          await client.ping();
        } finally {
          client.close();
        }
        const after = readHelloState(t);
        expect.equal(after.greetings, before.greetings, { what: 'greetings counter', rule: 'a ping is not a greeting' });
        expect.equal(after.errors, before.errors, { what: 'errors counter', rule: 'a well-formed ping causes no error' });
      },
    },
    {
      name: 'greet ignores messages that answer something else',
      points: 3,
      timeoutMs: KERNEL,
      rule: 'match answers by nlmsg_seq: a socket can receive messages that are not replies to your request',
      hint: 'Skip every message whose seq is not the one you sent; only then look at its type.',
      run: async (t) => {
        const client = hello.HelloClient.open();
        const intruder = NetlinkSocket.open(HELLO_UNIT_DEFAULT);
        try {
          // Queued on the student's socket before the kernel's answer: a reply, an
          // error and a ping answer for someone else's seq.
          const foreign = 0x7777;
          const fakeReply = encodeMessage({ type: HELLO_MSG_GREET_REPLY, flags: 0, seq: foreign, payload: new TextEncoder().encode('Hello, Mallory!\0') });
          const fakeError = encodeMessage({ type: NLMSG_ERROR, flags: 0x100, seq: foreign, payload: Uint8Array.from([...u32(-1 >>> 0), ...hdr(20, 0x10, 5, foreign, 0)]) });
          intruder.send(concatMessages([fakeReply, fakeError]), { portId: client.portId });
          intruder.send(fakeReply, { portId: client.portId });
          expect.equal(await client.greet('Ada'), 'Hello, Ada!', { what: 'greeting after foreign messages' });
          expect.equal(readHelloState(t).lastPort, client.portId, { what: 'last_port in the kernel' });
        } finally {
          intruder.close();
          client.close();
        }
      },
    },
    {
      name: 'an empty name is EINVAL with the kernel\'s explanation',
      points: 3,
      timeoutMs: KERNEL,
      rule: 'errors are NLMSG_ERROR with a negative errno; with NETLINK_EXT_ACK on, the kernel adds its message as NLMSGERR_ATTR_MSG',
      hint: 'Switch NETLINK_EXT_ACK on in HelloClient.open, and throw errorFromMessage(...) when it is not null.',
      run: async (t) => {
        const truth = await kernelErrorFor(t, '');
        const before = readHelloState(t);
        const error = await expect.throws(() => hello.greet(''), isHelloError, 'greet("") must reject with a HelloError');
        expect.equal(error.code, 'EINVAL', { what: 'code' });
        expect.equal(error.errno, -truth.error, { what: 'errno' });
        expect.equal(error.extAckMessage, truth.message, { what: 'extAckMessage (the reference client read it from the same kernel)' });
        expect.equal(readHelloState(t).errors, before.errors + 1, { what: 'errors counter in the kernel' });
      },
    },
    {
      name: 'a 64-byte name is too long, a 63-byte name is fine',
      points: 3,
      timeoutMs: KERNEL,
      rule: 'the GREET payload is at most 64 bytes including the NUL: 63 characters is the longest name',
      hint: 'Do not trim or check the name yourself: send it and let the kernel answer.',
      run: async (t) => {
        const longest = 'n'.repeat(63);
        expect.equal(await hello.greet(longest), `Hello, ${longest}!`, { what: 'greet(63 × "n")' });
        const truth = await kernelErrorFor(t, 'n'.repeat(64));
        const before = readHelloState(t);
        const error = await expect.throws(() => hello.greet('n'.repeat(64)), isHelloError, 'greet(64 × "n") must reject with a HelloError');
        expect.equal(error.code, 'EINVAL', { what: 'code' });
        expect.equal(error.extAckMessage, truth.message, { what: 'extAckMessage' });
        const after = readHelloState(t);
        expect.equal(after.errors, before.errors + 1, { what: 'errors counter in the kernel' });
        expect.equal(after.greetings, before.greetings, { what: 'greetings counter in the kernel' });
      },
    },

    /* ---------------- the CLI, as its own process ---------------- */
    {
      name: 'greet CLI prints the greeting',
      points: 3,
      timeoutMs: CLI,
      rule: '`greet <name>` prints the kernel\'s greeting on stdout and exits 0',
      hint: 'main() prints with console.log and returns 0; the last line of greet.ts turns the return value into the exit code.',
      run: async (t) => {
        const before = readHelloState(t);
        const result = await t.runStudentCli('greet.ts', ['Ada'], { timeoutMs: t.remainingMs() - 1000 });
        t.log(`exit ${result.code}; stdout ${JSON.stringify(result.stdout)}; stderr ${JSON.stringify(result.stderr)}`);
        cliTodo(result);
        expect.equal(result.code, 0, { what: 'exit code' });
        expect.equal(result.stdout.trim(), 'Hello, Ada!', { what: 'stdout' });
        const after = readHelloState(t);
        expect.equal(after.greetings, before.greetings + 1, { what: 'greetings counter in the kernel' });
        expect.equal(after.lastName, 'Ada', { what: 'last_name in the kernel' });
      },
    },
    {
      name: 'greet CLI reports kernel errors and exits 1',
      points: 3,
      timeoutMs: CLI,
      rule: 'errors print as `greet: EINVAL (Invalid argument): <kernel text>` on stderr, exit status 1',
      hint: 'Catch the HelloError in main(), console.error(`greet: ${error.message}`) and return 1.',
      run: async (t) => {
        const truth = await kernelErrorFor(t, '');
        const result = await t.runStudentCli('greet.ts', [''], { timeoutMs: t.remainingMs() - 1000 });
        t.log(`exit ${result.code}; stdout ${JSON.stringify(result.stdout)}; stderr ${JSON.stringify(result.stderr)}`);
        cliTodo(result);
        expect.equal(result.code, 1, { what: 'exit code' });
        expect.equal(result.stderr.trim(), `greet: EINVAL (Invalid argument): ${truth.message}`, { what: 'stderr' });
      },
    },
    {
      name: 'greet CLI without a name prints its usage',
      points: 1,
      timeoutMs: CLI,
      rule: 'a command-line tool called wrongly says how to call it and fails',
      hint: 'With no arguments, console.error(USAGE) and return 2.',
      run: async (t) => {
        const result = await t.runStudentCli('greet.ts', [], { timeoutMs: t.remainingMs() - 1000 });
        cliTodo(result);
        if (result.code === 0 || result.code === null) expect.fail(`exit code must be non-zero, was ${result.code}`);
        if (!/usage/i.test(result.stderr)) expect.fail(`stderr must show the usage, was ${JSON.stringify(result.stderr)}`);
      },
    },
  ],
});
