// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink_socket.c - AF_NETLINK sockets for Node through Node-API.
 *
 * The addon only moves bytes and sets integer options; every message is built
 * and parsed in TypeScript (socket.ts). The socket is non-blocking. Readiness
 * comes from a libuv poll handle on the loop of the Node environment (main
 * thread or worker) that opened the socket; it runs only while JavaScript has
 * a receive pending, so an idle socket neither spins nor keeps the process
 * alive.
 *
 * Errors are thrown as Error objects carrying `errno` (positive) and `syscall`;
 * socket.ts turns them into NetlinkSocketError with the errno name as `code`.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <node_api.h>

#ifdef NLS_HAVE_UV_H
#include <uv.h>
#define HANDLE_DATA(h) ((h)->data)
#else
/*
 * No uv.h next to this Node: declare the few libuv 1.x calls we use. Node
 * exports them and libuv keeps its ABI stable within 1.x. The poll handle is
 * allocated with uv_handle_size(), so its layout is never needed; `data` is
 * the first field of every handle.
 */
typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_poll_cb)(uv_poll_t *handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t *handle);
enum { UV_POLL = 8 };
enum { UV_READABLE = 1 };
size_t uv_handle_size(int type);
int uv_poll_init(uv_loop_t *loop, uv_poll_t *handle, int fd);
int uv_poll_start(uv_poll_t *handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t *handle);
void uv_close(uv_handle_t *handle, uv_close_cb cb);
#define HANDLE_DATA(h) (*(void **)(h))
#endif

struct nls {
	int fd;			/* -1 once closed */
	napi_env env;
	napi_async_context actx;	/* so callbacks run microtasks after */
	napi_ref on_readable;	/* set only while polling */
	uv_poll_t *poll;	/* created on first receive, freed by uv_close */
};

/* Distinguishes our externals from any other external passed in by mistake. */
static const napi_type_tag nls_tag = { 0x6e6c736f636b6574ULL, 0x776f726b626f6f6bULL };

#define CHECK(call)                                                     \
	do {                                                            \
		if ((call) != napi_ok)                                  \
			return NULL;                                    \
	} while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall)
{
	napi_value msg, error, v;
	char text[160];

	snprintf(text, sizeof(text), "%s failed: %s", syscall, strerror(err));
	CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg));
	CHECK(napi_create_error(env, NULL, msg, &error));
	CHECK(napi_create_int32(env, err, &v));
	CHECK(napi_set_named_property(env, error, "errno", v));
	CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v));
	CHECK(napi_set_named_property(env, error, "syscall", v));
	napi_throw(env, error);
	return NULL;
}

/* Release the fd and the poll handle; safe to call more than once. */
static void nls_shutdown(struct nls *s)
{
	if (s->poll) {
		/*
		 * uv_close removes the fd from epoll at once, before close().
		 * The close callback is libc's free, not a function of ours: a
		 * worker's environment unloads this addon before its loop runs
		 * the last close callbacks (measured: a segfault otherwise).
		 */
		uv_close((uv_handle_t *)s->poll, (uv_close_cb)free);
		s->poll = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->on_readable) {
		napi_delete_reference(s->env, s->on_readable);
		s->on_readable = NULL;
	}
}

/* The JS object was collected (or its environment is torn down). */
static void nls_finalize(napi_env env, void *data, void *hint)
{
	struct nls *s = data;

	(void)hint;
	nls_shutdown(s);
	napi_async_destroy(env, s->actx);
	free(s);
}

/* Read argv[i] as our socket; throws unless it is an open socket. */
static struct nls *get_sock(napi_env env, napi_value v)
{
	bool ok = false;
	void *data;
	struct nls *s;

	if (napi_check_object_type_tag(env, v, &nls_tag, &ok) != napi_ok || !ok) {
		napi_throw_type_error(env, NULL, "expected a netlink socket handle");
		return NULL;
	}
	if (napi_get_value_external(env, v, &data) != napi_ok)
		return NULL;
	s = data;
	if (s->fd < 0) {
		throw_errno(env, EBADF, "use of closed socket");
		return NULL;
	}
	return s;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out)
{
	if (napi_get_value_uint32(env, v, out) != napi_ok) {
		napi_throw_type_error(env, NULL, "expected an unsigned 32-bit integer");
		return -1;
	}
	return 0;
}

static int get_i32(napi_env env, napi_value v, int32_t *out)
{
	if (napi_get_value_int32(env, v, out) != napi_ok) {
		napi_throw_type_error(env, NULL, "expected a 32-bit integer");
		return -1;
	}
	return 0;
}

/* Bytes of a Uint8Array (or any TypedArray/Buffer). */
static int get_bytes(napi_env env, napi_value v, void **data, size_t *len)
{
	napi_typedarray_type type;
	size_t count, offset;
	napi_value ab;
	bool is_ta = false;

	if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
		napi_throw_type_error(env, NULL, "expected a Uint8Array");
		return -1;
	}
	/* data already points at byte_offset within the ArrayBuffer */
	if (napi_get_typedarray_info(env, v, &type, &count, data, &ab, &offset) != napi_ok)
		return -1;
	if (type != napi_uint8_array && type != napi_uint8_clamped_array &&
	    type != napi_int8_array) {
		napi_throw_type_error(env, NULL, "expected a Uint8Array");
		return -1;
	}
	*len = count;
	return 0;
}

/* open(protocol, groups, pid) -> handle: socket() + bind(). */
static napi_value nls_open(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], handle, name;
	int32_t protocol;
	uint32_t groups, pid;
	struct sockaddr_nl addr;
	struct nls *s;
	int fd, err;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (argc < 3 || get_i32(env, argv[0], &protocol) || get_u32(env, argv[1], &groups) ||
	    get_u32(env, argv[2], &pid))
		return NULL;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return throw_errno(env, errno, "socket");
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	addr.nl_pid = pid;	/* 0: the kernel picks a unique port id */
	addr.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = errno;
		close(fd);
		return throw_errno(env, err, "bind");
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return throw_errno(env, ENOMEM, "open");
	}
	s->fd = fd;
	s->env = env;
	if (napi_create_string_utf8(env, "NetlinkSocket", NAPI_AUTO_LENGTH, &name) != napi_ok ||
	    napi_async_init(env, NULL, name, &s->actx) != napi_ok) {
		close(fd);
		free(s);
		return NULL;
	}
	if (napi_create_external(env, s, nls_finalize, NULL, &handle) != napi_ok) {
		napi_async_destroy(env, s->actx);
		close(fd);
		free(s);
		return NULL;
	}
	CHECK(napi_type_tag_object(env, handle, &nls_tag));
	return handle;
}

/* sockname(handle) -> [portId, groups] */
static napi_value nls_sockname(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out, v;
	struct sockaddr_nl addr;
	socklen_t len = sizeof(addr);
	struct nls *s;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s)
		return NULL;
	if (getsockname(s->fd, (struct sockaddr *)&addr, &len) < 0)
		return throw_errno(env, errno, "getsockname");
	CHECK(napi_create_array_with_length(env, 2, &out));
	CHECK(napi_create_uint32(env, addr.nl_pid, &v));
	CHECK(napi_set_element(env, out, 0, v));
	CHECK(napi_create_uint32(env, addr.nl_groups, &v));
	CHECK(napi_set_element(env, out, 1, v));
	return out;
}

/* send(handle, bytes, portId, groups) -> bytes sent */
static napi_value nls_send(napi_env env, napi_callback_info info)
{
	size_t argc = 4, len;
	napi_value argv[4], out;
	struct sockaddr_nl addr;
	uint32_t port, groups;
	struct nls *s;
	ssize_t n;
	void *data;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s || get_bytes(env, argv[1], &data, &len) || get_u32(env, argv[2], &port) ||
	    get_u32(env, argv[3], &groups))
		return NULL;
	memset(&addr, 0, sizeof(addr));
	addr.nl_family = AF_NETLINK;
	addr.nl_pid = port;
	addr.nl_groups = groups;
	do
		n = sendto(s->fd, data, len, 0, (struct sockaddr *)&addr, sizeof(addr));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return throw_errno(env, errno, "sendto");
	CHECK(napi_create_int64(env, n, &out));
	return out;
}

/*
 * recv(handle, buffer, peek) -> null when nothing is queued (EAGAIN), else
 * [size, truncated, senderPort, senderGroups]. MSG_TRUNC makes the kernel
 * return the datagram's real length even when the buffer is smaller.
 */
static napi_value nls_recv(napi_env env, napi_callback_info info)
{
	size_t argc = 3, len;
	napi_value argv[3], out, v;
	struct sockaddr_nl from;
	struct msghdr msg;
	struct iovec iov;
	bool peek = false;
	struct nls *s;
	ssize_t n;
	void *data;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s || get_bytes(env, argv[1], &data, &len))
		return NULL;
	if (argc > 2)
		CHECK(napi_get_value_bool(env, argv[2], &peek));

	memset(&from, 0, sizeof(from));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = len;
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	do
		n = recvmsg(s->fd, &msg, MSG_TRUNC | MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			CHECK(napi_get_null(env, &out));
			return out;
		}
		/* ENOBUFS lands here once per overrun; the socket stays usable. */
		return throw_errno(env, errno, "recvmsg");
	}
	CHECK(napi_create_array_with_length(env, 4, &out));
	CHECK(napi_create_int64(env, n, &v));
	CHECK(napi_set_element(env, out, 0, v));
	CHECK(napi_get_boolean(env, (msg.msg_flags & MSG_TRUNC) != 0, &v));
	CHECK(napi_set_element(env, out, 1, v));
	CHECK(napi_create_uint32(env, from.nl_pid, &v));
	CHECK(napi_set_element(env, out, 2, v));
	CHECK(napi_create_uint32(env, from.nl_groups, &v));
	CHECK(napi_set_element(env, out, 3, v));
	return out;
}

/* setopt(handle, level, name, value): integer options only. */
static napi_value nls_setopt(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4];
	int32_t level, name, value;
	struct nls *s;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s || get_i32(env, argv[1], &level) || get_i32(env, argv[2], &name) ||
	    get_i32(env, argv[3], &value))
		return NULL;
	if (setsockopt(s->fd, level, name, &value, sizeof(value)) < 0)
		return throw_errno(env, errno, "setsockopt");
	return NULL;
}

/* getopt(handle, level, name) -> integer value */
static napi_value nls_getopt(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], out;
	int32_t level, name, value = 0;
	socklen_t len = sizeof(value);
	struct nls *s;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s || get_i32(env, argv[1], &level) || get_i32(env, argv[2], &name))
		return NULL;
	if (getsockopt(s->fd, level, name, &value, &len) < 0)
		return throw_errno(env, errno, "getsockopt");
	CHECK(napi_create_int32(env, value, &out));
	return out;
}

/* libuv says the fd is readable (or has an error pending): tell JavaScript. */
static void on_poll(uv_poll_t *handle, int status, int events)
{
	struct nls *s = HANDLE_DATA(handle);
	napi_handle_scope scope;
	napi_value fn, recv, argv[1], result, exc;
	napi_env env = s->env;

	(void)events;
	if (!s->on_readable || napi_open_handle_scope(env, &scope) != napi_ok)
		return;
	if (napi_get_reference_value(env, s->on_readable, &fn) == napi_ok && fn &&
	    napi_get_global(env, &recv) == napi_ok &&	/* must be an object */
	    napi_create_int32(env, status, &argv[0]) == napi_ok) {
		/* make_callback drains promise jobs and nextTicks afterwards. */
		if (napi_make_callback(env, s->actx, recv, fn, 1, argv, &result) ==
		    napi_pending_exception &&
		    napi_get_and_clear_last_exception(env, &exc) == napi_ok) {
			/* Stop first: a callback that keeps throwing must not spin. */
			uv_poll_stop(handle);
			napi_fatal_exception(env, exc);	/* -> 'uncaughtException' */
		}
	}
	napi_close_handle_scope(env, scope);
}

/*
 * poll(handle, callback | null): start (or keep) watching for readability and
 * call callback(status) each time; null stops watching. The strong reference
 * keeps the callback alive only while watching.
 */
static napi_value nls_poll(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	napi_valuetype type;
	uv_loop_t *loop;
	struct nls *s;
	int err;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	s = get_sock(env, argv[0]);
	if (!s)
		return NULL;
	CHECK(napi_typeof(env, argv[1], &type));	/* undefined if missing */
	if (type != napi_function) {
		if (s->poll)
			uv_poll_stop(s->poll);
		if (s->on_readable) {
			napi_delete_reference(env, s->on_readable);
			s->on_readable = NULL;
		}
		return NULL;
	}
	if (!s->poll) {
		CHECK(napi_get_uv_event_loop(env, &loop));
		s->poll = malloc(uv_handle_size(UV_POLL));
		if (!s->poll)
			return throw_errno(env, ENOMEM, "uv_poll_init");
		err = uv_poll_init(loop, s->poll, s->fd);
		if (err) {
			free(s->poll);
			s->poll = NULL;
			return throw_errno(env, -err, "uv_poll_init");
		}
		HANDLE_DATA(s->poll) = s;
	}
	if (s->on_readable)
		napi_delete_reference(env, s->on_readable);
	s->on_readable = NULL;
	CHECK(napi_create_reference(env, argv[1], 1, &s->on_readable));
	/* Also re-arms after libuv stopped the handle on POLLERR. */
	err = uv_poll_start(s->poll, UV_READABLE, on_poll);
	if (err)
		return throw_errno(env, -err, "uv_poll_start");
	return NULL;
}

/* close(handle): idempotent. */
static napi_value nls_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	bool ok = false;
	void *data;

	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (napi_check_object_type_tag(env, argv[0], &nls_tag, &ok) != napi_ok || !ok) {
		napi_throw_type_error(env, NULL, "expected a netlink socket handle");
		return NULL;
	}
	CHECK(napi_get_value_external(env, argv[0], &data));
	nls_shutdown(data);
	return NULL;
}

NAPI_MODULE_INIT()
{
	static const struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
		{ "open", nls_open },	  { "sockname", nls_sockname }, { "send", nls_send },
		{ "recv", nls_recv },	  { "setopt", nls_setopt },	{ "getopt", nls_getopt },
		{ "poll", nls_poll },	  { "close", nls_close },
	};
	napi_value fn;
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		CHECK(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL,
					   &fn));
		CHECK(napi_set_named_property(env, exports, fns[i].name, fn));
	}
	return exports;
}
