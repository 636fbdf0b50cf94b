// SPDX-License-Identifier: GPL-2.0
/*
 * nl_tlv: employee records over generic netlink attributes (lesson 3).
 *
 * Family "nl_tlv", version 1. ADD stores a record (NAME, one or more WEBSITE
 * inside a nested WEBSITES, EMP_ID, optional nested TAGS), GET returns one
 * record by EMP_ID or, with NLM_F_DUMP, every record, and DEL removes one.
 * The attribute policies below do most of the checking: generic netlink
 * validates every attribute (nested ones included) strictly before our
 * handlers run, and a rejected attribute comes back in the extended ACK as a
 * message plus the attribute's byte offset in the request.
 *
 * Records are listed in /proc/nl_tlv/records, counters in /proc/nl_tlv/state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "nl_tlv.h"

struct tlv_record {
	struct list_head node;
	u64 emp_id;
	char name[NL_TLV_NAME_MAX];
	char websites[NL_TLV_MAX_WEBSITES][NL_TLV_WEBSITE_MAX];
	unsigned int n_websites;
	/* A reply carries exactly the tags the ADD carried. */
	bool has_level;
	bool has_team;
	bool remote;
	u8 level;
	char team[NL_TLV_TEAM_MAX];
};

/*
 * parallel_ops is set, so handlers of several senders run at once and
 * /proc readers run beside them: records_lock guards the list and every
 * counter. records_gen changes with every ADD and DEL; a dump that spans
 * several recv() calls compares it to flag NLM_F_DUMP_INTR.
 */
static DEFINE_MUTEX(records_lock);
static LIST_HEAD(records);
static unsigned int n_records;
static unsigned int records_gen = 1;	/* never 0: 0 turns the dump check off */
static u64 n_adds, n_gets, n_dumps, n_dels, n_rejected;

static struct genl_family tlv_family;
static struct proc_dir_entry *tlv_proc_dir;

/* #region policy */
/*
 * NLA_NUL_STRING's .len is the longest string without its NUL, so the
 * limits "32 bytes with the NUL" become 31 here.
 */
static const struct nla_policy website_policy[NL_TLV_WEBSITE_A_MAX + 1] = {
	[NL_TLV_WEBSITE_A_WEBSITE] = { .type = NLA_NUL_STRING,
				       .len = NL_TLV_WEBSITE_MAX - 1 },
};

static const struct nla_policy tag_policy[NL_TLV_TAG_A_MAX + 1] = {
	[NL_TLV_TAG_A_LEVEL] = NLA_POLICY_RANGE(NLA_U8, NL_TLV_LEVEL_MIN,
						NL_TLV_LEVEL_MAX),
	[NL_TLV_TAG_A_REMOTE] = { .type = NLA_FLAG },
	[NL_TLV_TAG_A_TEAM] = { .type = NLA_NUL_STRING,
				.len = NL_TLV_TEAM_MAX - 1 },
};

/* ADD: the whole record. NLA_POLICY_NESTED also demands NLA_F_NESTED. */
static const struct nla_policy add_policy[NL_TLV_A_MAX + 1] = {
	[NL_TLV_A_NAME] = { .type = NLA_NUL_STRING,
			    .len = NL_TLV_NAME_MAX - 1 },
	[NL_TLV_A_WEBSITES] = NLA_POLICY_NESTED(website_policy),
	[NL_TLV_A_EMP_ID] = { .type = NLA_U64 },
	[NL_TLV_A_TAGS] = NLA_POLICY_NESTED(tag_policy),
};

/* GET and DEL: only the key. Anything else is "Unsupported attribute". */
static const struct nla_policy id_policy[NL_TLV_A_MAX + 1] = {
	[NL_TLV_A_EMP_ID] = { .type = NLA_U64 },
};
/* #endregion policy */

/*
 * The policy guarantees a NUL inside the value; the text before it must be
 * non-empty and free of control characters (they would break the one line
 * per record in /proc). Websites may not contain spaces either: /proc
 * separates them with one.
 */
static bool tlv_text_ok(const struct nlattr *nla, bool allow_space)
{
	const char *s = nla_data(nla);
	int i;

	if (!s[0])
		return false;
	for (i = 0; s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
			return false;
	}
	return true;
}

static struct tlv_record *tlv_find(u64 emp_id)
{
	struct tlv_record *rec;

	lockdep_assert_held(&records_lock);
	list_for_each_entry(rec, &records, node)
		if (rec->emp_id == emp_id)
			return rec;
	return NULL;
}

static void tlv_count_reject(void)
{
	mutex_lock(&records_lock);
	n_rejected++;
	mutex_unlock(&records_lock);
}

/* #region parse */
/* Copies a validated request into *rec; on a bad value names the attribute. */
static int tlv_parse_record(struct tlv_record *rec, struct nlattr **tb,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tags[NL_TLV_TAG_A_MAX + 1];
	struct nlattr *w;
	int rem, err;

	if (!tlv_text_ok(tb[NL_TLV_A_NAME], true)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NL_TLV_A_NAME],
				    "NAME must be 1..31 bytes of text without control characters");
		return -EINVAL;
	}
	nla_strscpy(rec->name, tb[NL_TLV_A_NAME], sizeof(rec->name));

	/* Strict validation let only WEBSITE attributes into the nest. */
	nla_for_each_nested(w, tb[NL_TLV_A_WEBSITES], rem) {
		if (rec->n_websites == NL_TLV_MAX_WEBSITES) {
			NL_SET_ERR_MSG_ATTR(extack, w,
					    "too many WEBSITE attributes: at most 8 per record");
			return -EINVAL;
		}
		if (!tlv_text_ok(w, false)) {
			NL_SET_ERR_MSG_ATTR(extack, w,
					    "WEBSITE must be 1..63 bytes without spaces or control characters");
			return -EINVAL;
		}
		nla_strscpy(rec->websites[rec->n_websites++], w,
			    NL_TLV_WEBSITE_MAX);
	}
	if (!rec->n_websites) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NL_TLV_A_WEBSITES],
				    "WEBSITES is empty: nest at least one WEBSITE in it");
		return -EINVAL;
	}

	rec->emp_id = nla_get_u64(tb[NL_TLV_A_EMP_ID]);

	if (!tb[NL_TLV_A_TAGS])
		return 0;
	/* Already validated against tag_policy; this only fills the table. */
	err = nla_parse_nested(tags, NL_TLV_TAG_A_MAX, tb[NL_TLV_A_TAGS],
			       tag_policy, extack);
	if (err)
		return err;
	if (tags[NL_TLV_TAG_A_LEVEL]) {
		rec->has_level = true;
		rec->level = nla_get_u8(tags[NL_TLV_TAG_A_LEVEL]);
	}
	rec->remote = nla_get_flag(tags[NL_TLV_TAG_A_REMOTE]);
	if (tags[NL_TLV_TAG_A_TEAM]) {
		if (!tlv_text_ok(tags[NL_TLV_TAG_A_TEAM], true)) {
			NL_SET_ERR_MSG_ATTR(extack, tags[NL_TLV_TAG_A_TEAM],
					    "TEAM must be 1..31 bytes of text without control characters");
			return -EINVAL;
		}
		rec->has_team = true;
		nla_strscpy(rec->team, tags[NL_TLV_TAG_A_TEAM],
			    sizeof(rec->team));
	}
	return 0;
}
/* #endregion parse */

/* #region add */
static int tlv_add(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct tlv_record *rec;
	int err;

	/* GENL_REQ_ATTR_CHECK also reports the missing type in the ACK. */
	if (GENL_REQ_ATTR_CHECK(info, NL_TLV_A_NAME)) {
		NL_SET_ERR_MSG(extack, "NAME is missing: ADD needs NAME, WEBSITES and EMP_ID");
		err = -EINVAL;
		goto reject;
	}
	if (GENL_REQ_ATTR_CHECK(info, NL_TLV_A_WEBSITES)) {
		NL_SET_ERR_MSG(extack, "WEBSITES is missing: ADD needs NAME, WEBSITES and EMP_ID");
		err = -EINVAL;
		goto reject;
	}
	if (GENL_REQ_ATTR_CHECK(info, NL_TLV_A_EMP_ID)) {
		NL_SET_ERR_MSG(extack, "EMP_ID is missing: ADD needs NAME, WEBSITES and EMP_ID");
		err = -EINVAL;
		goto reject;
	}

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	err = tlv_parse_record(rec, tb, extack);
	if (err)
		goto free;

	mutex_lock(&records_lock);
	if (tlv_find(rec->emp_id)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NL_TLV_A_EMP_ID],
				    "an employee with this EMP_ID exists already: DEL it first");
		err = -EEXIST;
	} else if (n_records >= NL_TLV_MAX_RECORDS) {
		NL_SET_ERR_MSG(extack, "the record table is full (1024 records): DEL some first");
		err = -ENOSPC;
	} else {
		list_add_tail(&rec->node, &records);
		n_records++;
		records_gen++;
		n_adds++;
		rec = NULL;	/* the list owns it now */
	}
	if (err)
		n_rejected++;
	mutex_unlock(&records_lock);
	kfree(rec);
	return err;

free:
	kfree(rec);
reject:
	tlv_count_reject();
	return err;
}
/* #endregion add */

/* #region fill */
/*
 * One record as one message: the layout of a GET reply and of every part
 * of a dump. nla_nest_start() sets NLA_F_NESTED, nla_put_string() counts
 * the NUL, and nla_put_u64_64bit() inserts a PAD attribute on architectures
 * that need the u64 8-byte aligned.
 */
static int tlv_fill(struct sk_buff *skb, const struct tlv_record *rec,
		    u32 portid, u32 seq, int flags, struct netlink_callback *cb)
{
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tlv_family, flags, NL_TLV_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_string(skb, NL_TLV_A_NAME, rec->name))
		goto cancel;
	nest = nla_nest_start(skb, NL_TLV_A_WEBSITES);
	if (!nest)
		goto cancel;
	for (i = 0; i < rec->n_websites; i++)
		if (nla_put_string(skb, NL_TLV_WEBSITE_A_WEBSITE,
				   rec->websites[i]))
			goto cancel;
	nla_nest_end(skb, nest);
	if (nla_put_u64_64bit(skb, NL_TLV_A_EMP_ID, rec->emp_id, NL_TLV_A_PAD))
		goto cancel;

	if (rec->has_level || rec->remote || rec->has_team) {
		nest = nla_nest_start(skb, NL_TLV_A_TAGS);
		if (!nest)
			goto cancel;
		if (rec->has_level &&
		    nla_put_u8(skb, NL_TLV_TAG_A_LEVEL, rec->level))
			goto cancel;
		if (rec->remote && nla_put_flag(skb, NL_TLV_TAG_A_REMOTE))
			goto cancel;
		if (rec->has_team &&
		    nla_put_string(skb, NL_TLV_TAG_A_TEAM, rec->team))
			goto cancel;
		nla_nest_end(skb, nest);
	}

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	/* Trims everything after hdr, half-written nests included. */
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}
/* #endregion fill */

/* #region get */
static int tlv_get(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct tlv_record *rec;
	struct sk_buff *reply;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NL_TLV_A_EMP_ID)) {
		NL_SET_ERR_MSG(extack, "EMP_ID is missing: GET needs EMP_ID, or NLM_F_DUMP for every record");
		err = -EINVAL;
		goto reject;
	}

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	mutex_lock(&records_lock);
	rec = tlv_find(nla_get_u64(info->attrs[NL_TLV_A_EMP_ID]));
	if (rec) {
		/* Same seq as the request, so the client can match the reply. */
		err = tlv_fill(reply, rec, info->snd_portid, info->snd_seq, 0,
			       NULL);
		if (!err)
			n_gets++;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NL_TLV_A_EMP_ID],
				    "no employee has this EMP_ID");
		err = -ENOENT;
		n_rejected++;
	}
	mutex_unlock(&records_lock);

	if (err) {
		nlmsg_free(reply);
		return err;
	}
	/* Consumes the skb whether it succeeds or not. */
	return genlmsg_reply(reply, info);

reject:
	tlv_count_reject();
	return err;
}

static int tlv_dump_start(struct netlink_callback *cb)
{
	mutex_lock(&records_lock);
	n_dumps++;
	mutex_unlock(&records_lock);
	return 0;
}

/*
 * Called again for every recv() until it adds nothing. cb->args[0] is the
 * index of the next record to send; records added or removed in between
 * shift it, which is why cb->seq carries the generation.
 */
static int tlv_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long start = cb->args[0], idx = 0;
	struct tlv_record *rec;

	mutex_lock(&records_lock);
	cb->seq = records_gen;
	list_for_each_entry(rec, &records, node) {
		if (idx < start) {
			idx++;
			continue;
		}
		if (tlv_fill(skb, rec, NETLINK_CB(cb->skb).portid,
			     cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
			break;	/* skb full: continue here next time */
		idx++;
	}
	mutex_unlock(&records_lock);

	cb->args[0] = idx;
	return skb->len;
}
/* #endregion get */

/* #region del */
static int tlv_del(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct tlv_record *rec;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, NL_TLV_A_EMP_ID)) {
		NL_SET_ERR_MSG(extack, "EMP_ID is missing: DEL needs EMP_ID");
		tlv_count_reject();
		return -EINVAL;
	}

	mutex_lock(&records_lock);
	rec = tlv_find(nla_get_u64(info->attrs[NL_TLV_A_EMP_ID]));
	if (rec) {
		list_del(&rec->node);
		n_records--;
		records_gen++;
		n_dels++;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[NL_TLV_A_EMP_ID],
				    "no employee has this EMP_ID");
		err = -ENOENT;
		n_rejected++;
	}
	mutex_unlock(&records_lock);
	kfree(rec);
	return err;
}
/* #endregion del */

/* #region family */
static const struct genl_ops tlv_ops[] = {
	{
		.cmd = NL_TLV_CMD_ADD,
		.doit = tlv_add,
		.policy = add_policy,
		.maxattr = NL_TLV_A_MAX,
	},
	{
		.cmd = NL_TLV_CMD_GET,
		.doit = tlv_get,
		.start = tlv_dump_start,
		.dumpit = tlv_dump,
		.policy = id_policy,
		.maxattr = NL_TLV_A_MAX,
	},
	{
		.cmd = NL_TLV_CMD_DEL,
		.doit = tlv_del,
		.policy = id_policy,
		.maxattr = NL_TLV_A_MAX,
	},
};

/*
 * resv_start_op stays 0: every command gets the strict checks (reserved
 * header byte zero, no stray nlmsg_flags, a policy for every attribute).
 */
static struct genl_family tlv_family __ro_after_init = {
	.name = NL_TLV_FAMILY_NAME,
	.version = NL_TLV_FAMILY_VERSION,
	.maxattr = NL_TLV_A_MAX,
	.policy = add_policy,
	.parallel_ops = true,
	.ops = tlv_ops,
	.n_ops = ARRAY_SIZE(tlv_ops),
	.module = THIS_MODULE,
};
/* #endregion family */

/* #region proc */
/*
 * /proc/nl_tlv/records: a header line, then one line per record in the
 * order they were added, TAB-separated key=value fields; tags appear only
 * when the record has them.
 */
static void *records_seq_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&records_lock);
	return seq_list_start_head(&records, *pos);
}

static void *records_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &records, pos);
}

static void records_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&records_lock);
}

static int records_seq_show(struct seq_file *m, void *v)
{
	const struct tlv_record *rec;
	unsigned int i;

	if (v == &records) {
		seq_puts(m, "# emp_id name websites [level] [remote] [team]\n");
		return 0;
	}
	rec = list_entry(v, struct tlv_record, node);
	seq_printf(m, "emp_id=%llu\tname=%s\twebsites=", rec->emp_id, rec->name);
	for (i = 0; i < rec->n_websites; i++)
		seq_printf(m, "%s%s", i ? " " : "", rec->websites[i]);
	if (rec->has_level)
		seq_printf(m, "\tlevel=%u", rec->level);
	if (rec->remote)
		seq_puts(m, "\tremote=1");
	if (rec->has_team)
		seq_printf(m, "\tteam=%s", rec->team);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations records_seq_ops = {
	.start = records_seq_start,
	.next = records_seq_next,
	.stop = records_seq_stop,
	.show = records_seq_show,
};

static int tlv_state_show(struct seq_file *m, void *v)
{
	mutex_lock(&records_lock);
	seq_printf(m, "records: %u\n", n_records);
	seq_printf(m, "max_records: %u\n", NL_TLV_MAX_RECORDS);
	seq_printf(m, "generation: %u\n", records_gen);
	seq_printf(m, "adds: %llu\n", n_adds);
	seq_printf(m, "gets: %llu\n", n_gets);
	seq_printf(m, "dumps: %llu\n", n_dumps);
	seq_printf(m, "dels: %llu\n", n_dels);
	/* Policy failures never reach a handler, so only ours are counted. */
	seq_printf(m, "rejected: %llu\n", n_rejected);
	mutex_unlock(&records_lock);
	return 0;
}
/* #endregion proc */

/* #region init */
static int __init nl_tlv_init(void)
{
	int err;

	tlv_proc_dir = proc_mkdir("nl_tlv", NULL);
	if (!tlv_proc_dir ||
	    !proc_create_single("state", 0444, tlv_proc_dir, tlv_state_show) ||
	    !proc_create_seq("records", 0444, tlv_proc_dir, &records_seq_ops)) {
		proc_remove(tlv_proc_dir);
		return -ENOMEM;
	}

	err = genl_register_family(&tlv_family);
	if (err) {
		pr_err("cannot register generic netlink family %s: %d\n",
		       NL_TLV_FAMILY_NAME, err);
		proc_remove(tlv_proc_dir);
		return err;
	}
	pr_info("family %s registered with id %d\n", NL_TLV_FAMILY_NAME,
		tlv_family.id);
	return 0;
}
/* #endregion init */

/* #region exit */
static void __exit nl_tlv_exit(void)
{
	struct tlv_record *rec, *tmp;
	unsigned int freed = 0;

	/* No handler runs after this returns, so the list is ours alone. */
	genl_unregister_family(&tlv_family);
	proc_remove(tlv_proc_dir);

	list_for_each_entry_safe(rec, tmp, &records, node) {
		list_del(&rec->node);
		kfree(rec);
		freed++;
	}
	pr_info("family %s unregistered, %u records freed\n",
		NL_TLV_FAMILY_NAME, freed);
}
/* #endregion exit */

module_init(nl_tlv_init);
module_exit(nl_tlv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Netlink Workbook");
MODULE_DESCRIPTION("Lesson 3: employee records over generic netlink attributes");
