// SPDX-License-Identifier: GPL-2.0
/*
 * nl_hello: raw netlink on a protocol unit of its own (lesson 1).
 *
 * A process opens socket(AF_NETLINK, SOCK_RAW, 31), sends HELLO_MSG_GREET with
 * a NUL-terminated name and gets HELLO_MSG_GREET_REPLY ("Hello, <name>!") back
 * on its own port, with the request's sequence number. netlink_rcv_skb() does
 * the generic work: it walks every message of the datagram, skips messages
 * without NLM_F_REQUEST and control messages (NLMSG_NOOP is a ping), and sends
 * the ACK or the error (with our extended-ACK text) after our handler returns.
 *
 * State is readable at /proc/nl_hello/state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nl_hello.h"

/* #region param */
static int unit = HELLO_UNIT_DEFAULT;
/* 0444: readable in /sys/module/nl_hello/parameters, fixed after load. */
module_param(unit, int, 0444);
MODULE_PARM_DESC(unit, "netlink protocol unit to serve (default 31; 23..31 are free upstream)");
/* #endregion param */

static struct sock *hello_sk;
static struct proc_dir_entry *hello_proc_dir;

/*
 * What /proc/nl_hello/state shows. The input callback runs in the sending
 * process's context, so two processes greeting at once run it concurrently:
 * every read and write of the state holds state_lock.
 */
static DEFINE_SPINLOCK(state_lock);
static u64 greetings_served;
static u64 errors_seen;
static char last_name[HELLO_NAME_MAX];
static u32 last_port;

static void count_error(void)
{
	spin_lock(&state_lock);
	errors_seen++;
	spin_unlock(&state_lock);
}

/* #region validate */
/*
 * A GREET payload is the name, one NUL, then nothing but zero padding; at most
 * HELLO_NAME_MAX bytes in all. Returns the name's length or -EINVAL with a
 * message for the extended ACK.
 */
static int hello_check_name(const char *payload, int len,
			    struct netlink_ext_ack *extack)
{
	const char *nul;
	int i, n;

	if (len <= 0) {
		NL_SET_ERR_MSG(extack, "GREET payload is empty: send the name followed by a NUL byte");
		return -EINVAL;
	}
	if (len > HELLO_NAME_MAX) {
		NL_SET_ERR_MSG(extack, "GREET payload is longer than 64 bytes (name, NUL and padding)");
		return -EINVAL;
	}
	nul = memchr(payload, '\0', len);
	if (!nul) {
		NL_SET_ERR_MSG(extack, "name is not NUL-terminated");
		return -EINVAL;
	}
	n = nul - payload;
	if (n == 0) {
		NL_SET_ERR_MSG(extack, "name is empty");
		return -EINVAL;
	}
	/* Control characters would break the one-line-per-key /proc format. */
	for (i = 0; i < n; i++) {
		if ((unsigned char)payload[i] < 0x20 || payload[i] == 0x7f) {
			NL_SET_ERR_MSG(extack, "name contains a control character");
			return -EINVAL;
		}
	}
	/* After the NUL only alignment padding may follow, and padding is zero. */
	for (i = n + 1; i < len; i++) {
		if (payload[i]) {
			NL_SET_ERR_MSG(extack, "bytes after the name's NUL must be zero padding");
			return -EINVAL;
		}
	}
	return n;
}
/* #endregion validate */

/* #region greet */
static int hello_greet(struct sk_buff *skb, const struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	/* The sender's port, filled in by the kernel: userspace cannot forge it. */
	u32 portid = NETLINK_CB(skb).portid;
	const char *name = nlmsg_data(nlh);
	struct nlmsghdr *reply_nlh;
	struct sk_buff *reply;
	int n, size, err;

	n = hello_check_name(name, nlmsg_len(nlh), extack);
	if (n < 0)
		return n;

	/* "Hello, " + name + "!" + NUL */
	size = sizeof("Hello, !") + n;
	reply = nlmsg_new(size, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	/* Same seq as the request: that is how the client matches the reply. */
	reply_nlh = nlmsg_put(reply, portid, nlh->nlmsg_seq,
			      HELLO_MSG_GREET_REPLY, size, 0);
	if (!reply_nlh) {
		kfree_skb(reply);
		return -EMSGSIZE;
	}
	snprintf(nlmsg_data(reply_nlh), size, "Hello, %.*s!", n, name);

	/*
	 * nlmsg_unicast() hands the skb to netlink_unicast(), which consumes it on
	 * success and on failure alike: never free it here afterwards.
	 */
	err = nlmsg_unicast(hello_sk, reply, portid);
	if (err) {
		NL_SET_ERR_MSG(extack, "could not deliver the greeting to the sender's socket");
		return err;
	}

	spin_lock(&state_lock);
	greetings_served++;
	memcpy(last_name, name, n);
	last_name[n] = '\0';
	last_port = portid;
	spin_unlock(&state_lock);
	return 0;
}
/* #endregion greet */

/* #region dispatch */
/*
 * Called by netlink_rcv_skb() once per message that carries NLM_F_REQUEST and
 * a type >= NLMSG_MIN_TYPE. A non-zero return becomes an NLMSG_ERROR; zero
 * becomes an ACK only if the sender asked for one with NLM_F_ACK.
 */
static int hello_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			 struct netlink_ext_ack *extack)
{
	int err;

	switch (nlh->nlmsg_type) {
	case HELLO_MSG_GREET:
		err = hello_greet(skb, nlh, extack);
		break;
	default:
		NL_SET_ERR_MSG(extack, "unknown message type: nl_hello serves only HELLO_MSG_GREET (0x10)");
		err = -EOPNOTSUPP;
		break;
	}
	if (err)
		count_error();
	return err;
}

static void hello_input(struct sk_buff *skb)
{
	/* Walks every message in the datagram and sends ACKs and errors. */
	netlink_rcv_skb(skb, hello_rcv_msg);
}
/* #endregion dispatch */

/* #region state */
static int hello_state_show(struct seq_file *m, void *v)
{
	char name[HELLO_NAME_MAX];
	u64 served, errors;
	u32 port;

	/* Copy under the lock, print outside it. */
	spin_lock(&state_lock);
	served = greetings_served;
	errors = errors_seen;
	port = last_port;
	memcpy(name, last_name, sizeof(name));
	spin_unlock(&state_lock);

	seq_printf(m, "unit: %d\n", unit);
	seq_printf(m, "greetings: %llu\n", served);
	seq_printf(m, "errors: %llu\n", errors);
	seq_printf(m, "last_name: %s\n", name);
	seq_printf(m, "last_port: %u\n", port);
	return 0;
}
/* #endregion state */

/* #region init */
static int __init nl_hello_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = hello_input,
	};

	if (unit < 0 || unit >= MAX_LINKS) {
		pr_err("unit=%d is out of range: use 0..%d (23..31 are free)\n",
		       unit, MAX_LINKS - 1);
		return -EINVAL;
	}

	hello_sk = netlink_kernel_create(&init_net, unit, &cfg);
	if (!hello_sk) {
		pr_err("cannot create netlink unit %d: is another module serving it?\n",
		       unit);
		return -EBUSY;
	}

	hello_proc_dir = proc_mkdir("nl_hello", NULL);
	if (!hello_proc_dir ||
	    !proc_create_single("state", 0444, hello_proc_dir, hello_state_show)) {
		proc_remove(hello_proc_dir);
		netlink_kernel_release(hello_sk);
		return -ENOMEM;
	}

	pr_info("serving netlink unit %d\n", unit);
	return 0;
}
/* #endregion init */

/* #region exit */
static void __exit nl_hello_exit(void)
{
	/* Remove the reader first so nobody reads state of a half-gone module. */
	proc_remove(hello_proc_dir);
	netlink_kernel_release(hello_sk);
	pr_info("released netlink unit %d\n", unit);
}
/* #endregion exit */

module_init(nl_hello_init);
module_exit(nl_hello_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Netlink Workbook");
MODULE_DESCRIPTION("Lesson 1: raw netlink greeting service on its own protocol unit");
