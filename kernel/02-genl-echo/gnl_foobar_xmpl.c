// SPDX-License-Identifier: GPL-2.0
/*
 * gnl_foobar_xmpl: a generic netlink family that echoes, dumps and fails on
 * request. Lesson 2 of the Netlink Workbook.
 *
 * Wire-compatible with the family of the same name from Philipp Schuster's
 * generic netlink example (names and numbers in gnl_foobar_xmpl.h), with that
 * example's protocol bugs fixed: replies echo the request's seq, dump parts
 * carry NLM_F_MULTI, maxattr matches the policy, errors are negative errnos
 * with extended-ACK messages, validation is strict and resv_start_op is set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "gnl_foobar_xmpl.h"

/* How a dump is cut into datagrams; see GNL_FOOBAR_XMPL_PARAM_DIR. */
static unsigned int dump_per_datagram = 1;
module_param(dump_per_datagram, uint, 0644);
MODULE_PARM_DESC(dump_per_datagram, "dump messages per datagram, 1..3 (default 1)");

static bool dump_done_shared;
module_param(dump_done_shared, bool, 0644);
MODULE_PARM_DESC(dump_done_shared, "put NLMSG_DONE in the datagram of the last dump part (default 0)");

/* Everything /proc/gnl_foobar_xmpl/state shows, under one lock. */
static struct {
	spinlock_t lock;
	u64 echoes;
	u64 dumps;
	u64 dump_parts;
	u64 errors;
	u32 last_portid;
	u32 last_seq;
	char last_message[GNL_FOOBAR_XMPL_MSG_MAX];
} stats = {
	.lock = __SPIN_LOCK_UNLOCKED(stats.lock),
};

static struct genl_family gnl_foobar_xmpl_family;

static void note_request(const struct genl_info *info)
{
	stats.last_portid = info->snd_portid;
	stats.last_seq = info->snd_seq;
}

static void count_error(const struct genl_info *info)
{
	spin_lock_bh(&stats.lock);
	stats.errors++;
	note_request(info);
	spin_unlock_bh(&stats.lock);
}

/* #region policy */
/*
 * Indexed by attribute type, so it needs GNL_FOOBAR_XMPL_A_MAX + 1 entries and
 * the family's maxattr is GNL_FOOBAR_XMPL_A_MAX (the highest valid type), not
 * the entry count.
 */
static const struct nla_policy gnl_foobar_xmpl_policy[GNL_FOOBAR_XMPL_A_MAX + 1] = {
	[GNL_FOOBAR_XMPL_A_MSG] = { .type = NLA_NUL_STRING,
				    .len = GNL_FOOBAR_XMPL_MSG_MAX - 1 },
};
/* #endregion policy */

/* #region echo-doit */
static int gnl_foobar_xmpl_echo_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *text;
	struct sk_buff *reply;
	void *hdr;
	int err;

	/* Sets NLMSGERR_ATTR_MISS_TYPE so the sender learns what was missing. */
	if (GENL_REQ_ATTR_CHECK(info, GNL_FOOBAR_XMPL_A_MSG)) {
		count_error(info);
		return -EINVAL;
	}
	/* The policy already checked the NUL and the length. */
	text = nla_data(info->attrs[GNL_FOOBAR_XMPL_A_MSG]);

	reply = genlmsg_new(nla_total_size(strlen(text) + 1), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	/* Same port and same seq as the request: that is how clients match replies. */
	hdr = genlmsg_put_reply(reply, info, &gnl_foobar_xmpl_family, 0,
				GNL_FOOBAR_XMPL_C_ECHO_MSG);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	err = nla_put_string(reply, GNL_FOOBAR_XMPL_A_MSG, text);
	if (err)	/* already negative: pass it on as it is */
		goto free;
	genlmsg_end(reply, hdr);

	spin_lock_bh(&stats.lock);
	stats.echoes++;
	note_request(info);
	strscpy(stats.last_message, text, sizeof(stats.last_message));
	spin_unlock_bh(&stats.lock);

	/* genlmsg_reply consumes the skb whatever happens: no free after it. */
	return genlmsg_reply(reply, info);

free:
	nlmsg_free(reply);
	return err;
}
/* #endregion echo-doit */

/* #region echo-dumpit */
/*
 * Called again and again until it returns 0; each call that returns > 0 sends
 * one datagram. cb->args[0] remembers how many parts went out, so concurrent
 * dumps never share state.
 */
static int gnl_foobar_xmpl_echo_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int per_datagram = clamp_val(READ_ONCE(dump_per_datagram), 1,
					      GNL_FOOBAR_XMPL_DUMP_PARTS);
	unsigned int put = 0;
	void *hdr;

	while (cb->args[0] < GNL_FOOBAR_XMPL_DUMP_PARTS && put < per_datagram) {
		/* A dumpit sets NLM_F_MULTI itself and reuses the request's seq. */
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &gnl_foobar_xmpl_family, NLM_F_MULTI,
				  GNL_FOOBAR_XMPL_C_ECHO_MSG);
		if (!hdr)
			break;
		if (nla_put_string(skb, GNL_FOOBAR_XMPL_A_MSG,
				   GNL_FOOBAR_XMPL_DUMP_GREETING)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		spin_lock_bh(&stats.lock);
		if (cb->args[0] == 0) {
			stats.dumps++;
			stats.last_portid = NETLINK_CB(cb->skb).portid;
			stats.last_seq = cb->nlh->nlmsg_seq;
		}
		stats.dump_parts++;
		spin_unlock_bh(&stats.lock);
		cb->args[0]++;
		put++;
	}

	if (!put && cb->args[0] < GNL_FOOBAR_XMPL_DUMP_PARTS)
		return -EMSGSIZE;	/* not even one part fits: cannot progress */
	/* Returning 0 with data in the skb makes netlink append NLMSG_DONE to it. */
	if (cb->args[0] >= GNL_FOOBAR_XMPL_DUMP_PARTS &&
	    (READ_ONCE(dump_done_shared) || !put))
		return 0;
	return skb->len;
}
/* #endregion echo-dumpit */

/* #region err-doit */
static int gnl_foobar_xmpl_err_doit(struct sk_buff *skb, struct genl_info *info)
{
	count_error(info);
	/* A negative errno with a reason; a positive one would be read as a length. */
	GENL_SET_ERR_MSG(info, GNL_FOOBAR_XMPL_ERR_TEXT);
	return -EINVAL;
}
/* #endregion err-doit */

/* #region family */
static const struct genl_small_ops gnl_foobar_xmpl_ops[] = {
	{
		.cmd = GNL_FOOBAR_XMPL_C_ECHO_MSG,
		/* .validate = 0: strict parsing, unknown attributes are rejected */
		.doit = gnl_foobar_xmpl_echo_doit,
		.dumpit = gnl_foobar_xmpl_echo_dumpit,
	},
	{
		.cmd = GNL_FOOBAR_XMPL_C_REPLY_WITH_NLMSG_ERR,
		.doit = gnl_foobar_xmpl_err_doit,
	},
};

static struct genl_family gnl_foobar_xmpl_family __ro_after_init = {
	.name = GNL_FOOBAR_XMPL_FAMILY_NAME,
	.version = GNL_FOOBAR_XMPL_FAMILY_VERSION,
	.hdrsize = 0,
	.maxattr = GNL_FOOBAR_XMPL_A_MAX,
	.policy = gnl_foobar_xmpl_policy,
	.module = THIS_MODULE,
	.small_ops = gnl_foobar_xmpl_ops,
	.n_small_ops = ARRAY_SIZE(gnl_foobar_xmpl_ops),
	/*
	 * Commands numbered from resv_start_op on get the strict checks of a new
	 * family (reserved nlmsg_flags bits rejected, a policy required). All of
	 * ours are new, so it is the first command. In-tree families set it past
	 * their old commands to keep those lax; copying that here would be wrong.
	 */
	.resv_start_op = GNL_FOOBAR_XMPL_C_ECHO_MSG,
};
/* #endregion family */

static int state_show(struct seq_file *m, void *v)
{
	spin_lock_bh(&stats.lock);
	seq_printf(m, "family: %s\n", GNL_FOOBAR_XMPL_FAMILY_NAME);
	seq_printf(m, "family_id: %d\n", gnl_foobar_xmpl_family.id);
	seq_printf(m, "echoes: %llu\n", stats.echoes);
	seq_printf(m, "dumps: %llu\n", stats.dumps);
	seq_printf(m, "dump_parts: %llu\n", stats.dump_parts);
	seq_printf(m, "errors: %llu\n", stats.errors);
	seq_printf(m, "last_portid: %u\n", stats.last_portid);
	seq_printf(m, "last_seq: %u\n", stats.last_seq);
	seq_puts(m, "last_message: ");
	/* One line per key: a newline inside the message must not start a new one. */
	seq_escape(m, stats.last_message, "\n\\");
	seq_putc(m, '\n');
	spin_unlock_bh(&stats.lock);
	return 0;
}

static struct proc_dir_entry *proc_dir;

static int __init gnl_foobar_xmpl_init(void)
{
	int err;

	proc_dir = proc_mkdir("gnl_foobar_xmpl", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create_single("state", 0444, proc_dir, state_show)) {
		err = -ENOMEM;
		goto remove_proc;
	}

	/* Last: from here on requests can arrive, so everything above is ready. */
	err = genl_register_family(&gnl_foobar_xmpl_family);
	if (err) {
		pr_err("cannot register the family: %d\n", err);
		goto remove_proc;
	}
	pr_info("family %s registered with id %d\n", GNL_FOOBAR_XMPL_FAMILY_NAME,
		gnl_foobar_xmpl_family.id);
	return 0;

remove_proc:
	proc_remove(proc_dir);
	return err;
}

static void __exit gnl_foobar_xmpl_exit(void)
{
	/* First stop new requests, then take away what they use. */
	genl_unregister_family(&gnl_foobar_xmpl_family);
	proc_remove(proc_dir);
	pr_info("family %s unregistered\n", GNL_FOOBAR_XMPL_FAMILY_NAME);
}

module_init(gnl_foobar_xmpl_init);
module_exit(gnl_foobar_xmpl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Netlink Workbook");
MODULE_DESCRIPTION("Generic netlink echo family gnl_foobar_xmpl (lesson 2)");
