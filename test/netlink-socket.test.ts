/**
 * The AF_NETLINK binding against the host kernel (NETLINK_ROUTE, NETLINK_GENERIC,
 * NETLINK_USERSOCK). Messages are built by hand here on purpose: this tests the
 * socket, not tools/netlink.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureNativeBinding } from '../tools/netlink-socket/build.ts';
import {
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NETLINK_NO_ENOBUFS,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NetlinkSocket,
  NetlinkSocketError,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOL_NETLINK,
  SOL_SOCKET,
} from '#socket';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const RTM_GETLINK = 18;
const RTM_NEWLINK = 16;
const IFLA_IFNAME = 3;
const RTNLGRP_LINK = 1;
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_NEWFAMILY = 1;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;

/** nlmsghdr (16 bytes, host = little endian on the course's machines) + payload. */
function message(type: number, flags: number, seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, seq, true);
  view.setUint32(12, 0, true);
  out.set(payload, 16);
  return out;
}

interface Parsed {
  type: number;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

function parse(data: Uint8Array): Parsed[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Parsed[] = [];
  for (let at = 0; at + 16 <= data.length; ) {
    const len = view.getUint32(at, true);
    if (len < 16 || at + len > data.length) throw new Error(`bad nlmsg_len ${len} at ${at}`);
    out.push({
      type: view.getUint16(at + 4, true),
      flags: view.getUint16(at + 6, true),
      seq: view.getUint32(at + 8, true),
      payload: data.subarray(at + 16, at + len),
    });
    at += (len + 3) & ~3;
  }
  return out;
}

function attributes(bytes: Uint8Array): Map<number, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<number, Uint8Array>();
  for (let at = 0; at + 4 <= bytes.length; ) {
    const len = view.getUint16(at, true);
    if (len < 4) break;
    out.set(view.getUint16(at + 2, true) & 0x3fff, bytes.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return out;
}

function getFamilyRequest(name: string, seq: number): Uint8Array {
  const text = new TextEncoder().encode(name + '\0');
  const attr = new Uint8Array((4 + text.length + 3) & ~3);
  new DataView(attr.buffer).setUint16(0, 4 + text.length, true);
  new DataView(attr.buffer).setUint16(2, CTRL_ATTR_FAMILY_NAME, true);
  attr.set(text, 4);
  const payload = new Uint8Array(4 + attr.length);
  payload[0] = CTRL_CMD_GETFAMILY;
  payload[1] = 1; // version
  payload.set(attr, 4);
  return message(GENL_ID_CTRL, NLM_F_REQUEST, seq, payload);
}

/** The kernel's own view of a socket: /proc/net/netlink's Groups column (first 32 groups). */
function procGroups(protocol: number, portId: number): number | undefined {
  for (const line of readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)) {
    const [, eth, pid, groups] = line.trim().split(/\s+/);
    if (Number(eth) === protocol && Number(pid) === portId) return parseInt(groups ?? '', 16);
  }
  return undefined;
}

/** Runs a TypeScript snippet in a fresh Node; resolves with its exit code and output. */
function runNode(source: string, timeoutMs = 20_000): Promise<{ code: number | null; output: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nlsock-'));
  const file = join(dir, 'child.mts'); // .mts: ESM outside the package
  writeFileSync(file, source);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms (a handle keeps the loop alive?)\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

const socketModule = JSON.stringify(join(repo, 'tools/netlink-socket/index.ts'));
const open: NetlinkSocket[] = [];
function track(sock: NetlinkSocket): NetlinkSocket {
  open.push(sock);
  return sock;
}

/**
 * Multicast to USERSOCK group 1. The kernel delivers to the group, then also
 * unicasts to port 0, where USERSOCK has no kernel socket: ECONNREFUSED after
 * a successful broadcast is expected here.
 */
function multicast(sock: NetlinkSocket, bytes: Uint8Array): void {
  try {
    sock.send(bytes, { groups: 1 });
  } catch (error) {
    if (!(error instanceof NetlinkSocketError && error.code === 'ECONNREFUSED')) throw error;
  }
}

function usersockAvailable(): boolean {
  try {
    NetlinkSocket.open(NETLINK_USERSOCK).close();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await ensureNativeBinding();
}, 120_000);

afterEach(() => {
  for (const sock of open.splice(0)) sock.close();
});

describe('NetlinkSocket on the host kernel', () => {
  it('binds and gets a non-zero port id the kernel also reports', () => {
    const sock = track(NetlinkSocket.open(NETLINK_ROUTE));
    expect(sock.portId).not.toBe(0);
    expect(procGroups(NETLINK_ROUTE, sock.portId)).toBe(0);
  });

  it('dumps links with RTM_GETLINK until NLMSG_DONE, including lo', async () => {
    const sock = track(NetlinkSocket.open(NETLINK_ROUTE));
    const ifinfomsg = new Uint8Array(16); // family AF_UNSPEC, everything 0
    sock.send(message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 7, ifinfomsg));
    const names: string[] = [];
    let done = false;
    let datagrams = 0;
    while (!done) {
      const got = await sock.receive({ timeoutMs: 5000 });
      datagrams++;
      expect(got.truncated).toBe(false);
      expect(got.from.portId).toBe(0);
      for (const msg of parse(got.data)) {
        expect(msg.seq).toBe(7);
        expect(msg.type).not.toBe(NLMSG_ERROR);
        if (msg.type === NLMSG_DONE) done = true;
        else if (msg.type === RTM_NEWLINK) {
          const name = attributes(msg.payload.subarray(16)).get(IFLA_IFNAME);
          if (name) names.push(new TextDecoder().decode(name).replace(/\0+$/, ''));
        }
      }
    }
    expect(datagrams).toBeGreaterThan(0);
    expect(names).toContain('lo');
  });

  it('asks nlctrl for "nlctrl" and gets family id 0x10', async () => {
    const sock = track(NetlinkSocket.open(NETLINK_GENERIC));
    sock.send(getFamilyRequest('nlctrl', 1));
    const got = await sock.receive({ timeoutMs: 5000 });
    const [reply] = parse(got.data);
    expect(reply?.type).toBe(GENL_ID_CTRL);
    expect(reply?.payload[0]).toBe(CTRL_CMD_NEWFAMILY);
    const id = attributes(reply!.payload.subarray(4)).get(CTRL_ATTR_FAMILY_ID);
    expect(id && new DataView(id.buffer, id.byteOffset).getUint16(0, true)).toBe(0x10);
  });

  it('reports truncation with the real size, and peek leaves the datagram queued', async () => {
    const sock = track(NetlinkSocket.open(NETLINK_GENERIC));
    sock.send(getFamilyRequest('nlctrl', 2));
    const peeked = await sock.receive({ bufferSize: 0, peek: true, timeoutMs: 5000 });
    expect(peeked.truncated).toBe(true);
    const small = await sock.receive({ bufferSize: 16, timeoutMs: 5000 });
    expect(small.truncated).toBe(true);
    expect(small.data.length).toBe(16);
    expect(small.size).toBe(peeked.size);
    expect(small.size).toBe(new DataView(small.data.buffer).getUint32(0, true)); // nlmsg_len
    expect(small.size).toBeGreaterThan(100);
    // The truncated rest is gone: nothing else is queued.
    await expect(sock.receive({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('round-trips integer options at SOL_NETLINK and SOL_SOCKET', () => {
    const sock = track(NetlinkSocket.open(NETLINK_GENERIC));
    expect(sock.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(0);
    sock.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    expect(sock.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(1);
    sock.setOption(SOL_NETLINK, NETLINK_EXT_ACK, false);
    expect(sock.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(0);

    const before = sock.getOption(SOL_SOCKET, SO_RCVBUF);
    sock.setOption(SOL_SOCKET, SO_RCVBUF, 8192);
    expect(sock.getOption(SOL_SOCKET, SO_RCVBUF)).toBe(16384); // the kernel doubles it
    expect(before).not.toBe(16384);
    if (process.getuid?.() === 0) {
      sock.setOption(SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20);
      expect(sock.getOption(SOL_SOCKET, SO_RCVBUF)).toBe(2 << 20);
    }
    expect(() => sock.setOption(SOL_NETLINK, 9999, 1)).toThrow(
      expect.objectContaining({ code: 'ENOPROTOOPT', syscall: 'setsockopt' }),
    );
  });

  it('fails on an unloaded protocol unit with EPROTONOSUPPORT and names the module', () => {
    let error: unknown;
    try {
      NetlinkSocket.open(31);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetlinkSocketError);
    expect(error).toMatchObject({ code: 'EPROTONOSUPPORT', errno: 93, syscall: 'socket' });
    expect((error as Error).message).toMatch(/unit 31.*module.*not loaded/s);
  });

  it('times out a receive with ETIMEDOUT', async () => {
    const sock = track(NetlinkSocket.open(NETLINK_ROUTE));
    const started = Date.now();
    await expect(sock.receive({ timeoutMs: 80 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });

  it('rejects an aborted receive with the signal reason and keeps serving', async () => {
    const sock = track(NetlinkSocket.open(NETLINK_GENERIC));
    const controller = new AbortController();
    const pending = sock.receive({ signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    await expect(pending).rejects.toThrow('stop waiting');
    sock.send(getFamilyRequest('nlctrl', 3));
    expect((await sock.receive({ timeoutMs: 5000 })).size).toBeGreaterThan(16);
  });

  it('close() rejects waiting receives with ECLOSED and is idempotent', async () => {
    const sock = NetlinkSocket.open(NETLINK_ROUTE);
    const first = sock.receive();
    const second = sock.receive({ timeoutMs: 10_000 });
    sock.close();
    sock.close();
    await expect(first).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(second).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(sock.receive()).rejects.toMatchObject({ code: 'ECLOSED' });
    expect(() => sock.send(new Uint8Array(16))).toThrow(NetlinkSocketError);
  });

  it('joins and leaves RTNLGRP_LINK (checked in /proc/net/netlink)', () => {
    const sock = track(NetlinkSocket.open(NETLINK_ROUTE));
    sock.addMembership(RTNLGRP_LINK);
    expect(procGroups(NETLINK_ROUTE, sock.portId)).toBe(1 << (RTNLGRP_LINK - 1));
    sock.dropMembership(RTNLGRP_LINK);
    expect(procGroups(NETLINK_ROUTE, sock.portId)).toBe(0);
    const legacy = track(NetlinkSocket.open(NETLINK_ROUTE, { groups: 1 << (RTNLGRP_LINK - 1) }));
    expect(procGroups(NETLINK_ROUTE, legacy.portId)).toBe(1);
  });

  it('exchanges datagrams between two sockets by port id, in FIFO order', async (ctx) => {
    if (!usersockAvailable()) ctx.skip(); // NETLINK_USERSOCK missing from this kernel
    const a = track(NetlinkSocket.open(NETLINK_USERSOCK));
    const b = track(NetlinkSocket.open(NETLINK_USERSOCK));
    const first = b.receive({ timeoutMs: 5000 });
    const second = b.receive({ timeoutMs: 5000 });
    expect(a.send(Uint8Array.of(1, 2, 3), { portId: b.portId })).toBe(3);
    a.send(Uint8Array.of(4, 5), { portId: b.portId });
    expect(await first).toEqual({
      data: Uint8Array.of(1, 2, 3),
      size: 3,
      truncated: false,
      from: { portId: a.portId, groups: 0 },
    });
    expect((await second).data).toEqual(Uint8Array.of(4, 5));
  });

  it('reports ENOBUFS on the receive after an overrun, then keeps working', async (ctx) => {
    if (!usersockAvailable()) ctx.skip();
    const sender = track(NetlinkSocket.open(NETLINK_USERSOCK));
    const listener = track(NetlinkSocket.open(NETLINK_USERSOCK));
    listener.addMembership(1);
    listener.setOption(SOL_SOCKET, SO_RCVBUF, 0); // the kernel's minimum
    const waiting = listener.receive({ timeoutMs: 5000 }); // poll armed before the burst
    for (let i = 0; i < 200; i++) multicast(sender, new Uint8Array(1000).fill(i));
    // The overrun is reported before the queued datagrams, possibly to the waiting receive.
    const codes: string[] = [];
    await waiting.then(
      (d) => codes.push(d.size === 1000 ? 'ok' : 'bad size'),
      (e: NetlinkSocketError) => codes.push(e.code),
    );
    for (let i = 0; i < 300 && !codes.includes('ENOBUFS'); i++) {
      await listener.receive({ timeoutMs: 200 }).then(
        () => codes.push('ok'),
        (e: NetlinkSocketError) => codes.push(e.code),
      );
    }
    expect(codes).toContain('ENOBUFS');
    expect(codes.filter((c) => c !== 'ok' && c !== 'ENOBUFS')).toEqual([]);
    // Drain what survived the overrun, then the socket works as before.
    for (;;) {
      const r = await listener.receive({ timeoutMs: 100 }).then(
        () => 'ok',
        (e: NetlinkSocketError) => e.code,
      );
      if (r === 'ETIMEDOUT') break;
      expect(r).toBe('ok');
    }
    multicast(sender, Uint8Array.of(42));
    expect(Array.from((await listener.receive({ timeoutMs: 1000 })).data)).toEqual([42]);

    // With NETLINK_NO_ENOBUFS the overrun is silent.
    const quiet = track(NetlinkSocket.open(NETLINK_USERSOCK));
    quiet.addMembership(1);
    quiet.setOption(SOL_SOCKET, SO_RCVBUF, 0);
    quiet.setOption(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
    for (let i = 0; i < 200; i++) multicast(sender, new Uint8Array(1000));
    const results: string[] = [];
    for (;;) {
      const r = await quiet.receive({ timeoutMs: 100 }).then(
        () => 'ok',
        (e: NetlinkSocketError) => e.code,
      );
      if (r === 'ETIMEDOUT') break;
      results.push(r);
    }
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r === 'ok')).toBe(true);
  });

  it('lets the process exit after close() with a receive pending, and when idle', async () => {
    const { code, output } = await runNode(`
      import { NetlinkSocket, NETLINK_ROUTE } from ${socketModule};
      const idle = NetlinkSocket.open(NETLINK_ROUTE); // never closed, never read: must not hold the loop
      const sock = NetlinkSocket.open(NETLINK_ROUTE);
      const pending = sock.receive();
      setTimeout(() => sock.close(), 50);
      pending.catch((e) => console.log('rejected', e.code, idle.portId > 0));
    `);
    expect(output).toContain('rejected ECLOSED true');
    expect(code).toBe(0);
  }, 30_000);

  it('cleans up when a worker thread with a polling socket is terminated', async () => {
    const addon = await ensureNativeBinding();
    const { code, output } = await runNode(`
      import { Worker } from 'node:worker_threads';
      const worker = new Worker(\`
        const { parentPort, workerData } = require('node:worker_threads');
        const nl = require(workerData);
        const h = nl.open(0, 0, 0);
        nl.poll(h, () => {});
        parentPort.postMessage(nl.sockname(h)[0]);
      \`, { eval: true, workerData: ${JSON.stringify(addon)} });
      worker.once('message', async (port) => {
        await worker.terminate();
        console.log('terminated', port > 0);
      });
    `);
    expect(output).toContain('terminated true');
    expect(code).toBe(0);
  }, 30_000);
});
