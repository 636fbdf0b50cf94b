// SPDX-License-Identifier: GPL-2.0
/*
 * A "third-party" client of the gnl_foobar_xmpl family, written the way a
 * program for the original example family would be: plain AF_NETLINK sockets,
 * the libc/uapi headers and the example's constant names (FAMILY_NAME,
 * GNL_FOOBAR_XMPL_C_ECHO_MSG, GNL_FOOBAR_XMPL_A_MSG, ...). It does not use the
 * course's TypeScript library, so it checks the module's wire format
 * independently of it. The module's self-test builds it with cc and runs it.
 *
 * Usage: foobar_client MESSAGE
 * Prints "family_id: N", "echo: TEXT", one "dump: TEXT" per dump part and
 * "dump_done: N"; exits 0 only when every step worked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#include "../gnl_foobar_xmpl.h"

#define BUF_SIZE 32768

struct request {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static int sock_fd;
static unsigned int next_seq = 1;

static void add_attr(struct request *req, unsigned short type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)req + NLMSG_ALIGN(req->n.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, NLA_ALIGN(nla->nla_len) - nla->nla_len);
	req->n.nlmsg_len = NLMSG_ALIGN(req->n.nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static unsigned int send_request(struct request *req, unsigned short type, unsigned short flags,
				 unsigned char cmd)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	req->n.nlmsg_type = type;
	req->n.nlmsg_flags = NLM_F_REQUEST | flags;
	req->n.nlmsg_seq = next_seq++;
	req->g.cmd = cmd;
	req->g.version = 1;
	if (sendto(sock_fd, req, req->n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		perror("sendto");
		exit(1);
	}
	return req->n.nlmsg_seq;
}

static void init_request(struct request *req)
{
	memset(req, 0, sizeof(*req));
	req->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
}

/* Finds attribute `type` among the attributes that follow a genl header. */
static struct nlattr *find_attr(struct nlmsghdr *nh, unsigned short type)
{
	char *pos = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
	char *end = (char *)nh + nh->nlmsg_len;

	while (pos + NLA_HDRLEN <= end) {
		struct nlattr *nla = (struct nlattr *)pos;

		if (nla->nla_len < NLA_HDRLEN || pos + nla->nla_len > end)
			return NULL;
		if ((nla->nla_type & NLA_TYPE_MASK) == type)
			return nla;
		pos += NLA_ALIGN(nla->nla_len);
	}
	return NULL;
}

static int check_error(struct nlmsghdr *nh)
{
	struct nlmsgerr *err = NLMSG_DATA(nh);

	if (err->error) {
		fprintf(stderr, "kernel error %d (%s)\n", err->error, strerror(-err->error));
		return err->error;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[BUF_SIZE];
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	struct request req;
	struct nlmsghdr *nh;
	struct nlattr *nla;
	unsigned short family_id = 0;
	unsigned int seq;
	int len, parts = 0, done = 0;
	const char *msg = argc > 1 ? argv[1] : "hello from a third-party client";

	sock_fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (sock_fd < 0 || bind(sock_fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("netlink socket");
		return 1;
	}

	/* 1. Ask the controller for the family's id. */
	init_request(&req);
	add_attr(&req, CTRL_ATTR_FAMILY_NAME, FAMILY_NAME, strlen(FAMILY_NAME) + 1);
	seq = send_request(&req, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	len = recv(sock_fd, buf, sizeof(buf), 0);
	nh = (struct nlmsghdr *)buf;
	if (len < 0 || !NLMSG_OK(nh, len) || nh->nlmsg_seq != seq) {
		fprintf(stderr, "no GETFAMILY reply\n");
		return 1;
	}
	if (nh->nlmsg_type == NLMSG_ERROR) {
		check_error(nh);
		fprintf(stderr, "is the gnl_foobar_xmpl module loaded?\n");
		return 1;
	}
	nla = find_attr(nh, CTRL_ATTR_FAMILY_ID);
	if (!nla) {
		fprintf(stderr, "GETFAMILY reply without CTRL_ATTR_FAMILY_ID\n");
		return 1;
	}
	family_id = *(unsigned short *)((char *)nla + NLA_HDRLEN);
	printf("family_id: %u\n", family_id);

	/* 2. Echo. */
	init_request(&req);
	add_attr(&req, GNL_FOOBAR_XMPL_A_MSG, msg, strlen(msg) + 1);
	seq = send_request(&req, family_id, 0, GNL_FOOBAR_XMPL_C_ECHO_MSG);
	len = recv(sock_fd, buf, sizeof(buf), 0);
	nh = (struct nlmsghdr *)buf;
	if (len < 0 || !NLMSG_OK(nh, len)) {
		fprintf(stderr, "no echo reply\n");
		return 1;
	}
	if (nh->nlmsg_type == NLMSG_ERROR) {
		check_error(nh);
		return 1;
	}
	if (nh->nlmsg_type != family_id || nh->nlmsg_seq != seq) {
		fprintf(stderr, "echo reply has type %u seq %u, expected %u and %u\n",
			nh->nlmsg_type, nh->nlmsg_seq, family_id, seq);
		return 1;
	}
	nla = find_attr(nh, GNL_FOOBAR_XMPL_A_MSG);
	if (!nla) {
		fprintf(stderr, "echo reply without GNL_FOOBAR_XMPL_A_MSG\n");
		return 1;
	}
	printf("echo: %s\n", (char *)nla + NLA_HDRLEN);

	/* 3. Dump: read datagrams until NLMSG_DONE, every message in each. */
	init_request(&req);
	seq = send_request(&req, family_id, NLM_F_DUMP, GNL_FOOBAR_XMPL_C_ECHO_MSG);
	while (!done) {
		len = recv(sock_fd, buf, sizeof(buf), 0);
		if (len < 0) {
			perror("recv");
			return 1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				printf("dump_done: %d\n", *(int *)NLMSG_DATA(nh));
				done = 1;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				check_error(nh);
				return 1;
			}
			if (!(nh->nlmsg_flags & NLM_F_MULTI)) {
				fprintf(stderr, "dump part without NLM_F_MULTI\n");
				return 1;
			}
			nla = find_attr(nh, GNL_FOOBAR_XMPL_A_MSG);
			printf("dump: %s\n", nla ? (char *)nla + NLA_HDRLEN : "(no MSG)");
			parts++;
		}
	}
	close(sock_fd);
	printf("dump_parts: %d\n", parts);
	return 0;
}
