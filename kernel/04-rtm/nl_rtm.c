// SPDX-License-Identifier: GPL-2.0
/*
 * nl_rtm: a routing table manager in the kernel, driven over raw netlink
 * (lesson 4, "The RTM project"). The wire protocol, the flag rules and every
 * errno are documented in nl_rtm.h.
 *
 * Why raw netlink and not generic netlink: since 6.1, generic netlink refuses
 * NLM_F_CREATE/EXCL/REPLACE/APPEND on the commands of new families (the
 * reserved-flag check behind resv_start_op), and those flags are the heart of
 * this protocol, used exactly as rtnetlink uses them. So the module owns a
 * protocol unit, like NETLINK_ROUTE, and netlink_rcv_skb() does the framing
 * work: it walks every message of a datagram, skips messages without
 * NLM_F_REQUEST, and sends the ACK or the error with our extended-ACK text.
 *
 * Data: up to NLRTM_MAX_TABLES tables, each an rbtree of routes ordered by
 * (destination, prefix length, metric). One mutex guards all of it: the input
 * callback runs in the context of whichever process sent the datagram, so
 * several clients run it at once, and dumps run in the reader's recvmsg().
 *
 * State is readable at /proc/nl_rtm/state and /proc/nl_rtm/routes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/proc_fs.h>
#include <linux/rbtree.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nl_rtm.h"

static int unit = NLRTM_UNIT_DEFAULT;
/* 0444: readable in /sys/module/nl_rtm/parameters, fixed after load. */
module_param(unit, int, 0444);
MODULE_PARM_DESC(unit, "netlink protocol unit to serve (default 30; 23..31 are free upstream)");

/* #region data */
struct rtm_route {
	struct rb_node node;
	__be32 dst;
	__be32 gateway;			/* meaningful only if has_gateway */
	u32 metric;
	u8 plen;
	bool has_gateway;
	char oif[NLRTM_OIF_NAME_MAX];	/* "" when the route has no device */
};

struct rtm_table {
	struct list_head list;		/* on rtm_tables, in id order */
	struct rb_root routes;
	u32 id;				/* never reused: dump cursors survive deletions */
	u32 nroutes;
	char name[NLRTM_TABLE_NAME_MAX];
};

/*
 * rtm_lock guards every table, route and the counters below it. It is a
 * mutex, not a spinlock, so the code under it may allocate with GFP_KERNEL.
 * Lock order: netlink's per-socket dump mutex, then rtm_lock (the dump
 * callbacks take rtm_lock), so rtm_lock is never held when a dump starts.
 */
static DEFINE_MUTEX(rtm_lock);
static LIST_HEAD(rtm_tables);
static u32 rtm_ntables;
static u32 rtm_nroutes;
static u32 rtm_next_table_id = 1;
/*
 * Bumped by every change. Dumps compare it across their parts to set
 * NLM_F_DUMP_INTR; it starts at 1 because nl_dump_check_consistent() treats
 * 0 as "not recorded yet".
 */
static unsigned int rtm_generation = 1;
/* #endregion data */

static struct sock *rtm_sk;
static struct proc_dir_entry *rtm_proc_dir;

/* Counters for /proc/nl_rtm/state: atomics, so no lock is needed to count. */
static atomic64_t st_requests = ATOMIC64_INIT(0);
static atomic64_t st_errors = ATOMIC64_INIT(0);
static atomic64_t st_changes = ATOMIC64_INIT(0);
static atomic64_t st_notify_failures = ATOMIC64_INIT(0);
static atomic64_t st_lookups = ATOMIC64_INIT(0);
static atomic64_t st_dumps = ATOMIC64_INIT(0);
static atomic64_t st_dump_parts = ATOMIC64_INIT(0);

/* Payload size of a route message with every attribute at its largest. */
#define RTM_ROUTE_PAYLOAD (nla_total_size(NLRTM_TABLE_NAME_MAX) +	\
			   nla_total_size(4) +				\
			   nla_total_size(1) +				\
			   nla_total_size(4) +				\
			   nla_total_size(NLRTM_OIF_NAME_MAX) +		\
			   nla_total_size(4))
#define RTM_TABLE_PAYLOAD (nla_total_size(NLRTM_TABLE_NAME_MAX) +	\
			   nla_total_size(4))

/* #region policy */
/*
 * nlmsg_parse() is strict since 5.2: unknown attribute types, trailing bytes
 * and wrong lengths are rejected, with an extended ACK that points at the
 * offending attribute.
 */
static const struct nla_policy rtm_policy[NLRTM_A_MAX + 1] = {
	/* .len of a NUL string excludes the NUL */
	[NLRTM_A_TABLE]     = { .type = NLA_NUL_STRING, .len = NLRTM_TABLE_NAME_MAX - 1 },
	[NLRTM_A_DST]       = NLA_POLICY_EXACT_LEN(4),
	[NLRTM_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[NLRTM_A_GATEWAY]   = NLA_POLICY_EXACT_LEN(4),
	[NLRTM_A_OIF]       = { .type = NLA_NUL_STRING, .len = NLRTM_OIF_NAME_MAX - 1 },
	[NLRTM_A_METRIC]    = { .type = NLA_U32 },
	[NLRTM_A_NROUTES]   = { .type = NLA_REJECT,
				.reject_message = "NROUTES is set by the kernel in replies, never in requests" },
};
/* #endregion policy */

/* ---- Tables and routes (all callers hold rtm_lock) ---- */

static struct rtm_table *rtm_table_find(const char *name)
{
	struct rtm_table *t;

	list_for_each_entry(t, &rtm_tables, list)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Order of the rbtree: destination (as a number), prefix length, metric. */
static int rtm_key_cmp(u32 dst, u8 plen, u32 metric, const struct rtm_route *r)
{
	u32 rdst = be32_to_cpu(r->dst);

	if (dst != rdst)
		return dst < rdst ? -1 : 1;
	if (plen != r->plen)
		return plen < r->plen ? -1 : 1;
	if (metric != r->metric)
		return metric < r->metric ? -1 : 1;
	return 0;
}

/* First route whose key is >= the key (strict = false) or > it (strict = true). */
static struct rtm_route *rtm_route_seek(struct rtm_table *t, u32 dst, u8 plen,
					u32 metric, bool strict)
{
	struct rb_node *n = t->routes.rb_node;
	struct rtm_route *found = NULL;

	while (n) {
		struct rtm_route *r = rb_entry(n, struct rtm_route, node);
		int c = rtm_key_cmp(dst, plen, metric, r);

		if (c < 0 || (c == 0 && !strict)) {
			found = r;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

static bool rtm_same_prefix(const struct rtm_route *r, __be32 dst, u8 plen)
{
	return r && r->dst == dst && r->plen == plen;
}

/* The lowest-metric route of a prefix, or NULL. */
static struct rtm_route *rtm_prefix_first(struct rtm_table *t, __be32 dst, u8 plen)
{
	struct rtm_route *r = rtm_route_seek(t, be32_to_cpu(dst), plen, 0, false);

	return rtm_same_prefix(r, dst, plen) ? r : NULL;
}

static struct rtm_route *rtm_route_next(struct rtm_route *r)
{
	struct rb_node *n = rb_next(&r->node);

	return n ? rb_entry(n, struct rtm_route, node) : NULL;
}

static struct rtm_route *rtm_route_first(struct rtm_table *t)
{
	struct rb_node *n = rb_first(&t->routes);

	return n ? rb_entry(n, struct rtm_route, node) : NULL;
}

/* The caller made sure no route with the same key exists. */
static void rtm_route_link(struct rtm_table *t, struct rtm_route *nr)
{
	struct rb_node **link = &t->routes.rb_node, *parent = NULL;
	u32 dst = be32_to_cpu(nr->dst);

	while (*link) {
		struct rtm_route *r = rb_entry(*link, struct rtm_route, node);

		parent = *link;
		if (rtm_key_cmp(dst, nr->plen, nr->metric, r) < 0)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&nr->node, parent, link);
	rb_insert_color(&nr->node, &t->routes);
	t->nroutes++;
	rtm_nroutes++;
}

static void rtm_route_unlink(struct rtm_table *t, struct rtm_route *r)
{
	rb_erase(&r->node, &t->routes);
	t->nroutes--;
	rtm_nroutes--;
}

static void rtm_table_free(struct rtm_table *t)
{
	struct rtm_route *r, *tmp;

	rbtree_postorder_for_each_entry_safe(r, tmp, &t->routes, node)
		kfree(r);
	rtm_nroutes -= t->nroutes;
	kfree(t);
}

static __be32 rtm_mask(u8 plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

/* ---- Building messages ---- */

/* #region fill */
/*
 * One route as a message. In a dump, cb is the dump's callback and the header
 * gets NLM_F_DUMP_INTR when the tables changed since the dump's first part.
 */
static int rtm_fill_route(struct sk_buff *skb, const struct rtm_table *t,
			  const struct rtm_route *r, u32 portid, u32 seq,
			  int type, u16 flags, struct netlink_callback *cb)
{
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, type, 0, flags);
	if (!nlh)
		return -EMSGSIZE;
	if (nla_put_string(skb, NLRTM_A_TABLE, t->name) ||
	    nla_put_in_addr(skb, NLRTM_A_DST, r->dst) ||
	    nla_put_u8(skb, NLRTM_A_PREFIXLEN, r->plen) ||
	    (r->has_gateway && nla_put_in_addr(skb, NLRTM_A_GATEWAY, r->gateway)) ||
	    (r->oif[0] && nla_put_string(skb, NLRTM_A_OIF, r->oif)) ||
	    nla_put_u32(skb, NLRTM_A_METRIC, r->metric)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	if (cb)
		nl_dump_check_consistent(cb, nlh);
	nlmsg_end(skb, nlh);
	return 0;
}
/* #endregion fill */

static int rtm_fill_table(struct sk_buff *skb, const struct rtm_table *t,
			  u32 portid, u32 seq, int type, u16 flags,
			  struct netlink_callback *cb)
{
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, type, 0, flags);
	if (!nlh)
		return -EMSGSIZE;
	if (nla_put_string(skb, NLRTM_A_TABLE, t->name) ||
	    nla_put_u32(skb, NLRTM_A_NROUTES, t->nroutes)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	if (cb)
		nl_dump_check_consistent(cb, nlh);
	nlmsg_end(skb, nlh);
	return 0;
}

/* #region notify */
/*
 * Tell group NLRTM_GROUP_CHANGES about a change that has just been made, as
 * a message of the request's type. Called with rtm_lock held, so listeners
 * see the changes in the order they were made; the lock is a mutex, so
 * GFP_KERNEL is allowed here. nlmsg_notify() consumes the skb in every case
 * (never free it afterwards) and, when the request carried NLM_F_ECHO,
 * unicasts it to the requester instead of multicasting it to them.
 */
static void rtm_notify(struct sk_buff *skb, const struct nlmsghdr *req, u32 portid)
{
	atomic64_inc(&st_changes);
	nlmsg_notify(rtm_sk, skb, portid, NLRTM_GROUP_CHANGES,
		     nlmsg_report(req), GFP_KERNEL);
}

/*
 * The change is made but nobody can be told about it: mark every listener's
 * socket with ENOBUFS so it knows it missed something and must resync with
 * a dump, as rtnetlink does (rtnl_set_sk_err).
 */
static void rtm_notify_failed(void)
{
	atomic64_inc(&st_changes);
	atomic64_inc(&st_notify_failures);
	netlink_set_err(rtm_sk, 0, NLRTM_GROUP_CHANGES, ENOBUFS);
}

static void rtm_notify_route(const struct rtm_table *t, const struct rtm_route *r,
			     const struct nlmsghdr *req, u32 portid, u16 flags)
{
	struct sk_buff *skb = nlmsg_new(RTM_ROUTE_PAYLOAD, GFP_KERNEL);

	if (!skb) {
		rtm_notify_failed();
		return;
	}
	if (rtm_fill_route(skb, t, r, portid, req->nlmsg_seq, req->nlmsg_type,
			   flags, NULL)) {
		kfree_skb(skb);	/* not handed to anyone yet: ours to free */
		rtm_notify_failed();
		return;
	}
	rtm_notify(skb, req, portid);
}

static void rtm_notify_table(const struct rtm_table *t, const struct nlmsghdr *req,
			     u32 portid, u16 flags)
{
	struct sk_buff *skb = nlmsg_new(RTM_TABLE_PAYLOAD, GFP_KERNEL);

	if (!skb) {
		rtm_notify_failed();
		return;
	}
	if (rtm_fill_table(skb, t, portid, req->nlmsg_seq, req->nlmsg_type,
			   flags, NULL)) {
		kfree_skb(skb);
		rtm_notify_failed();
		return;
	}
	rtm_notify(skb, req, portid);
}
/* #endregion notify */

/* ---- Reading requests ---- */

/* Names end up in /proc lines and CLI output: no spaces, no control bytes. */
static bool rtm_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* Copies the TABLE attribute into buf (NLRTM_TABLE_NAME_MAX bytes). */
static int rtm_get_table_name(struct nlattr **tb, char *buf,
			      struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, NLRTM_A_TABLE)) {
		NL_SET_ERR_MSG(extack, "TABLE attribute is missing: name the table");
		return -EINVAL;
	}
	nla_strscpy(buf, tb[NLRTM_A_TABLE], NLRTM_TABLE_NAME_MAX);
	if (!rtm_name_ok(buf)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE],
				    "TABLE must be a non-empty name without spaces or control characters");
		return -EINVAL;
	}
	return 0;
}

/* DST and PREFIXLEN of a route request, host bits of DST checked. */
static int rtm_get_prefix(struct nlattr **tb, __be32 *dst, u8 *plen,
			  struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, NLRTM_A_DST)) {
		NL_SET_ERR_MSG(extack, "DST attribute is missing: give the prefix's network address");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, NLRTM_A_PREFIXLEN)) {
		NL_SET_ERR_MSG(extack, "PREFIXLEN attribute is missing: give the prefix length (0..32)");
		return -EINVAL;
	}
	*dst = nla_get_in_addr(tb[NLRTM_A_DST]);
	*plen = nla_get_u8(tb[NLRTM_A_PREFIXLEN]);
	if (*dst & ~rtm_mask(*plen)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_DST],
				    "DST has bits set beyond PREFIXLEN: use the network address (e.g. 10.0.0.0/8)");
		return -EINVAL;
	}
	return 0;
}

/* The optional next-hop attributes (GATEWAY, OIF) and METRIC. */
static int rtm_get_nexthop(struct nlattr **tb, struct rtm_route *r,
			   struct netlink_ext_ack *extack)
{
	if (tb[NLRTM_A_GATEWAY]) {
		r->gateway = nla_get_in_addr(tb[NLRTM_A_GATEWAY]);
		r->has_gateway = true;
	}
	if (tb[NLRTM_A_OIF]) {
		nla_strscpy(r->oif, tb[NLRTM_A_OIF], sizeof(r->oif));
		if (!rtm_name_ok(r->oif)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_OIF],
					    "OIF must be a non-empty device name without spaces or control characters");
			return -EINVAL;
		}
	}
	if (tb[NLRTM_A_METRIC])
		r->metric = nla_get_u32(tb[NLRTM_A_METRIC]);
	return 0;
}

/* ---- Requests ---- */

/* #region newtable */
static int rtm_newtable(struct sk_buff *skb, const struct nlmsghdr *nlh,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(skb).portid;
	u16 flags = nlh->nlmsg_flags;
	struct rtm_table *t, *nt;
	int err;

	/* Allocate before taking the lock; freed below if unused. */
	nt = kzalloc(sizeof(*nt), GFP_KERNEL);
	if (!nt)
		return -ENOMEM;
	err = rtm_get_table_name(tb, nt->name, extack);
	if (err)
		goto out_free;

	mutex_lock(&rtm_lock);
	t = rtm_table_find(nt->name);
	if (t) {
		if (flags & NLM_F_EXCL) {
			NL_SET_ERR_MSG(extack, "table exists (NLM_F_EXCL asks for a new one)");
			err = -EEXIST;
		} else if (flags & NLM_F_REPLACE) {
			err = 0;	/* a table has nothing to replace: no change */
		} else {
			NL_SET_ERR_MSG(extack, "table exists: NLM_F_REPLACE keeps it, without it this is an error");
			err = -EEXIST;
		}
		goto out_unlock;
	}
	if (!(flags & NLM_F_CREATE)) {
		NL_SET_ERR_MSG(extack, "table does not exist and NLM_F_CREATE is not set");
		err = -ENOENT;
		goto out_unlock;
	}
	if (rtm_ntables >= NLRTM_MAX_TABLES) {
		NL_SET_ERR_MSG(extack, "too many tables (NLRTM_MAX_TABLES): delete one first");
		err = -ENOSPC;
		goto out_unlock;
	}
	nt->routes = RB_ROOT;
	nt->id = rtm_next_table_id++;
	list_add_tail(&nt->list, &rtm_tables);
	rtm_ntables++;
	rtm_generation++;
	rtm_notify_table(nt, nlh, portid,
			 flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE | NLM_F_APPEND));
	nt = NULL;	/* the list owns it now */
out_unlock:
	mutex_unlock(&rtm_lock);
out_free:
	kfree(nt);
	return err;
}
/* #endregion newtable */

static int rtm_deltable(struct sk_buff *skb, const struct nlmsghdr *nlh,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	char name[NLRTM_TABLE_NAME_MAX];
	struct rtm_table *t;
	int err;

	err = rtm_get_table_name(tb, name, extack);
	if (err)
		return err;

	mutex_lock(&rtm_lock);
	t = rtm_table_find(name);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE], "no table with this name");
		mutex_unlock(&rtm_lock);
		return -ENOENT;
	}
	list_del(&t->list);
	rtm_ntables--;
	rtm_generation++;
	/* The notification carries how many routes went with the table. */
	rtm_notify_table(t, nlh, NETLINK_CB(skb).portid, 0);
	rtm_table_free(t);
	mutex_unlock(&rtm_lock);
	return 0;
}

/* #region newroute */
static int rtm_newroute(struct sk_buff *skb, const struct nlmsghdr *nlh,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	u16 flags = nlh->nlmsg_flags;
	struct rtm_route *first, *r, *next, *nr;
	char name[NLRTM_TABLE_NAME_MAX];
	struct rtm_table *t;
	int err;

	err = rtm_get_table_name(tb, name, extack);
	if (err)
		return err;
	nr = kzalloc(sizeof(*nr), GFP_KERNEL);
	if (!nr)
		return -ENOMEM;
	err = rtm_get_prefix(tb, &nr->dst, &nr->plen, extack);
	if (!err)
		err = rtm_get_nexthop(tb, nr, extack);
	if (!err && !nr->has_gateway && !nr->oif[0]) {
		NL_SET_ERR_MSG(extack, "a route needs GATEWAY or OIF (or both)");
		err = -EINVAL;
	}
	if (err)
		goto out_free;

	mutex_lock(&rtm_lock);
	t = rtm_table_find(name);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE],
				    "no table with this name: create it with NEWTABLE first");
		err = -ENOENT;
		goto out_unlock;
	}
	first = rtm_prefix_first(t, nr->dst, nr->plen);
	if (!first) {
		/* A new prefix: only with NLM_F_CREATE, as in the IPv4 FIB. */
		if (!(flags & NLM_F_CREATE)) {
			NL_SET_ERR_MSG(extack, "no route for this prefix and NLM_F_CREATE is not set");
			err = -ENOENT;
			goto out_unlock;
		}
	} else if (flags & NLM_F_EXCL) {
		NL_SET_ERR_MSG(extack, "a route for this prefix exists (NLM_F_EXCL asks for a new one)");
		err = -EEXIST;
		goto out_unlock;
	} else if (flags & NLM_F_REPLACE) {
		/* Every route of the prefix goes; the new one takes their place. */
		for (r = first; rtm_same_prefix(r, nr->dst, nr->plen); r = next) {
			next = rtm_route_next(r);
			rtm_route_unlink(t, r);
			kfree(r);
		}
	} else if (flags & NLM_F_APPEND) {
		r = rtm_route_seek(t, be32_to_cpu(nr->dst), nr->plen, nr->metric, false);
		if (r && !rtm_key_cmp(be32_to_cpu(nr->dst), nr->plen, nr->metric, r)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_METRIC],
					    "a route for this prefix with this metric exists: append needs a different METRIC");
			err = -EEXIST;
			goto out_unlock;
		}
	} else {
		NL_SET_ERR_MSG(extack, "a route for this prefix exists: set NLM_F_REPLACE or NLM_F_APPEND to change it");
		err = -EEXIST;
		goto out_unlock;
	}
	if (rtm_nroutes >= NLRTM_MAX_ROUTES) {
		NL_SET_ERR_MSG(extack, "too many routes (NLRTM_MAX_ROUTES): delete some first");
		err = -ENOSPC;
		goto out_unlock;
	}
	rtm_route_link(t, nr);
	rtm_generation++;
	rtm_notify_route(t, nr, nlh, NETLINK_CB(skb).portid,
			 flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE | NLM_F_APPEND));
	nr = NULL;	/* the table owns it now */
out_unlock:
	mutex_unlock(&rtm_lock);
out_free:
	kfree(nr);
	return err;
}
/* #endregion newroute */

static int rtm_delroute(struct sk_buff *skb, const struct nlmsghdr *nlh,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	char name[NLRTM_TABLE_NAME_MAX];
	struct rtm_route want = {}, *r;
	struct rtm_table *t;
	int err;

	err = rtm_get_table_name(tb, name, extack);
	if (!err)
		err = rtm_get_prefix(tb, &want.dst, &want.plen, extack);
	if (!err)
		err = rtm_get_nexthop(tb, &want, extack);
	if (err)
		return err;

	mutex_lock(&rtm_lock);
	t = rtm_table_find(name);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE], "no table with this name");
		err = -ENOENT;
		goto out_unlock;
	}
	/* The lowest-metric route of the prefix that matches what was given. */
	for (r = rtm_prefix_first(t, want.dst, want.plen);
	     rtm_same_prefix(r, want.dst, want.plen); r = rtm_route_next(r)) {
		if (tb[NLRTM_A_METRIC] && r->metric != want.metric)
			continue;
		if (want.has_gateway && (!r->has_gateway || r->gateway != want.gateway))
			continue;
		if (want.oif[0] && strcmp(r->oif, want.oif))
			continue;
		break;
	}
	if (!rtm_same_prefix(r, want.dst, want.plen)) {
		/* -ESRCH, as rtnetlink answers for a missing route (nl_rtm.h). */
		NL_SET_ERR_MSG(extack, "no such route in this table");
		err = -ESRCH;
		goto out_unlock;
	}
	rtm_route_unlink(t, r);
	rtm_generation++;
	rtm_notify_route(t, r, nlh, NETLINK_CB(skb).portid, 0);
	kfree(r);
out_unlock:
	mutex_unlock(&rtm_lock);
	return err;
}

/* #region lookup */
static int rtm_lookup(struct sk_buff *skb, const struct nlmsghdr *nlh,
		      struct nlattr **tb, struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(skb).portid;
	char name[NLRTM_TABLE_NAME_MAX];
	struct rtm_route *r = NULL;
	struct sk_buff *reply;
	struct rtm_table *t;
	__be32 addr;
	int plen, err;

	err = rtm_get_table_name(tb, name, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, NLRTM_A_DST)) {
		NL_SET_ERR_MSG(extack, "DST attribute is missing: give the address to look up");
		return -EINVAL;
	}
	addr = nla_get_in_addr(tb[NLRTM_A_DST]);
	atomic64_inc(&st_lookups);

	reply = nlmsg_new(RTM_ROUTE_PAYLOAD, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	mutex_lock(&rtm_lock);
	t = rtm_table_find(name);
	if (!t) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE], "no table with this name");
		err = -ENOENT;
		goto out_unlock;
	}
	/* Longest prefix first; within a prefix the tree keeps the lowest metric first. */
	for (plen = 32; plen >= 0 && !r; plen--)
		r = rtm_prefix_first(t, addr & rtm_mask(plen), plen);
	if (!r) {
		NL_SET_ERR_MSG(extack, "no route in this table covers the address");
		err = -ENETUNREACH;
		goto out_unlock;
	}
	/* Same seq as the request: that is how the client matches the reply. */
	err = rtm_fill_route(reply, t, r, portid, nlh->nlmsg_seq, NLRTM_NEWROUTE, 0, NULL);
out_unlock:
	mutex_unlock(&rtm_lock);
	if (err) {
		kfree_skb(reply);
		return err;
	}
	/* netlink_unicast() consumes the skb on success and failure alike. */
	return nlmsg_unicast(rtm_sk, reply, portid);
}
/* #endregion lookup */

static int rtm_gettable(struct sk_buff *skb, const struct nlmsghdr *nlh,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(skb).portid;
	char name[NLRTM_TABLE_NAME_MAX];
	struct sk_buff *reply;
	struct rtm_table *t;
	int err;

	err = rtm_get_table_name(tb, name, extack);
	if (err)
		return err;
	reply = nlmsg_new(RTM_TABLE_PAYLOAD, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	mutex_lock(&rtm_lock);
	t = rtm_table_find(name);
	if (t) {
		err = rtm_fill_table(reply, t, portid, nlh->nlmsg_seq,
				     NLRTM_NEWTABLE, 0, NULL);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE], "no table with this name");
		err = -ENOENT;
	}
	mutex_unlock(&rtm_lock);
	if (err) {
		kfree_skb(reply);
		return err;
	}
	return nlmsg_unicast(rtm_sk, reply, portid);
}

/* ---- Dumps ---- */

/* #region dump */
/*
 * Where a dump stands between two parts: netlink calls the dump function
 * again each time the reader has drained the previous part. The cursor is a
 * key, not a position, so routes added or removed meanwhile do not make the
 * dump skip or repeat the others; NLM_F_DUMP_INTR tells the reader that what
 * it got may mix the old and the new state.
 */
struct rtm_dump_ctx {
	u32 filter_table;	/* 0: every table */
	u32 table;		/* id of the table being dumped, 0 before the first */
	bool in_table;		/* last_* hold the last route sent from it */
	u8 last_plen;
	u32 last_dst;
	u32 last_metric;
};

static struct rtm_dump_ctx *rtm_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct rtm_dump_ctx) > sizeof(cb->ctx));
	return (struct rtm_dump_ctx *)cb->ctx;
}

/* Runs inside netlink_dump_start(): copy the filter the request asked for. */
static int rtm_dump_start(struct netlink_callback *cb)
{
	const u32 *filter = cb->data;

	rtm_dump_ctx(cb)->filter_table = *filter;
	cb->data = NULL;	/* it pointed at the requester's stack */
	atomic64_inc(&st_dumps);
	return 0;
}

static int rtm_dump_routes(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rtm_dump_ctx *ctx = rtm_dump_ctx(cb);
	u32 portid = NETLINK_CB(cb->skb).portid;
	u32 seq = cb->nlh->nlmsg_seq;
	struct rtm_table *t;
	struct rtm_route *r;

	atomic64_inc(&st_dump_parts);
	mutex_lock(&rtm_lock);
	/* Record the generation under the lock, as nl_dump_check_consistent() wants. */
	cb->seq = rtm_generation;
	list_for_each_entry(t, &rtm_tables, list) {
		if (ctx->filter_table && t->id != ctx->filter_table)
			continue;
		if (t->id < ctx->table)
			continue;	/* finished in an earlier part */
		if (t->id > ctx->table) {
			ctx->table = t->id;
			ctx->in_table = false;
		}
		r = ctx->in_table ? rtm_route_seek(t, ctx->last_dst, ctx->last_plen,
						   ctx->last_metric, true)
				  : rtm_route_first(t);
		for (; r; r = rtm_route_next(r)) {
			if (rtm_fill_route(skb, t, r, portid, seq, NLRTM_NEWROUTE,
					   NLM_F_MULTI, cb)) {
				/* This part is full: send it, continue from here later. */
				mutex_unlock(&rtm_lock);
				return skb->len;
			}
			ctx->in_table = true;
			ctx->last_dst = be32_to_cpu(r->dst);
			ctx->last_plen = r->plen;
			ctx->last_metric = r->metric;
		}
	}
	mutex_unlock(&rtm_lock);
	return 0;	/* done: netlink appends NLMSG_DONE */
}

static int rtm_dump_tables(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rtm_dump_ctx *ctx = rtm_dump_ctx(cb);
	u32 portid = NETLINK_CB(cb->skb).portid;
	u32 seq = cb->nlh->nlmsg_seq;
	struct rtm_table *t;

	atomic64_inc(&st_dump_parts);
	mutex_lock(&rtm_lock);
	cb->seq = rtm_generation;
	list_for_each_entry(t, &rtm_tables, list) {
		if (t->id <= ctx->table)
			continue;
		if (rtm_fill_table(skb, t, portid, seq, NLRTM_NEWTABLE,
				   NLM_F_MULTI, cb)) {
			mutex_unlock(&rtm_lock);
			return skb->len;
		}
		ctx->table = t->id;
	}
	mutex_unlock(&rtm_lock);
	return 0;
}

static int rtm_start_dump(struct sk_buff *skb, const struct nlmsghdr *nlh,
			  struct nlattr **tb, struct netlink_ext_ack *extack,
			  int (*dump)(struct sk_buff *, struct netlink_callback *))
{
	char name[NLRTM_TABLE_NAME_MAX];
	u32 filter = 0;
	struct netlink_dump_control control = {
		.start = rtm_dump_start,
		.dump = dump,
		.data = &filter,
	};
	int err;

	/* An optional TABLE limits a route dump to that table. */
	if (dump == rtm_dump_routes && tb[NLRTM_A_TABLE]) {
		struct rtm_table *t;

		err = rtm_get_table_name(tb, name, extack);
		if (err)
			return err;
		mutex_lock(&rtm_lock);
		t = rtm_table_find(name);
		if (t)
			filter = t->id;
		mutex_unlock(&rtm_lock);
		if (!filter) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NLRTM_A_TABLE], "no table with this name");
			return -ENOENT;
		}
	}
	/*
	 * Sends the first part now, the rest as the reader drains its socket.
	 * Returns -EINTR once the dump runs: netlink_rcv_skb() then sends no
	 * ACK, since the NLMSG_DONE that ends the dump is the answer.
	 */
	return netlink_dump_start(rtm_sk, skb, nlh, &control);
}
/* #endregion dump */

/* ---- Dispatch ---- */

/* #region dispatch */
static int rtm_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLRTM_A_MAX + 1];
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int type = nlh->nlmsg_type;
	int err;

	atomic64_inc(&st_requests);
	if (type < NLRTM_NEWTABLE || type > NLRTM_GETROUTE) {
		NL_SET_ERR_MSG(extack, "unknown message type: nl_rtm serves types 21..26");
		err = -EOPNOTSUPP;
		goto out;
	}
	/* Changes need CAP_NET_ADMIN, as in rtnetlink; reading does not. */
	if (type != NLRTM_GETTABLE && type != NLRTM_GETROUTE &&
	    !netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack, "changing tables or routes needs CAP_NET_ADMIN");
		err = -EPERM;
		goto out;
	}
	/* No fixed header: attributes start right after the nlmsghdr. */
	err = nlmsg_parse(nlh, 0, tb, NLRTM_A_MAX, rtm_policy, extack);
	if (err)
		goto out;

	switch (type) {
	case NLRTM_NEWTABLE:
		err = rtm_newtable(skb, nlh, tb, extack);
		break;
	case NLRTM_DELTABLE:
		err = rtm_deltable(skb, nlh, tb, extack);
		break;
	case NLRTM_GETTABLE:
		err = dump ? rtm_start_dump(skb, nlh, tb, extack, rtm_dump_tables)
			   : rtm_gettable(skb, nlh, tb, extack);
		break;
	case NLRTM_NEWROUTE:
		err = rtm_newroute(skb, nlh, tb, extack);
		break;
	case NLRTM_DELROUTE:
		err = rtm_delroute(skb, nlh, tb, extack);
		break;
	case NLRTM_GETROUTE:
		err = dump ? rtm_start_dump(skb, nlh, tb, extack, rtm_dump_routes)
			   : rtm_lookup(skb, nlh, tb, extack);
		break;
	}
out:
	if (err && err != -EINTR)
		atomic64_inc(&st_errors);
	return err;
}

static void rtm_input(struct sk_buff *skb)
{
	/* Walks every message in the datagram and sends ACKs and errors. */
	netlink_rcv_skb(skb, rtm_rcv_msg);
}
/* #endregion dispatch */

/* ---- /proc/nl_rtm ---- */

static int rtm_state_show(struct seq_file *m, void *v)
{
	u32 tables, routes;
	unsigned int gen;

	mutex_lock(&rtm_lock);
	tables = rtm_ntables;
	routes = rtm_nroutes;
	gen = rtm_generation;
	mutex_unlock(&rtm_lock);

	seq_printf(m, "unit: %d\n", unit);
	seq_printf(m, "tables: %u\n", tables);
	seq_printf(m, "routes: %u\n", routes);
	seq_printf(m, "max_tables: %d\n", NLRTM_MAX_TABLES);
	seq_printf(m, "max_routes: %d\n", NLRTM_MAX_ROUTES);
	seq_printf(m, "generation: %u\n", gen);
	seq_printf(m, "requests: %lld\n", atomic64_read(&st_requests));
	seq_printf(m, "errors: %lld\n", atomic64_read(&st_errors));
	seq_printf(m, "changes: %lld\n", atomic64_read(&st_changes));
	seq_printf(m, "notify_failures: %lld\n", atomic64_read(&st_notify_failures));
	seq_printf(m, "lookups: %lld\n", atomic64_read(&st_lookups));
	seq_printf(m, "dumps: %lld\n", atomic64_read(&st_dumps));
	seq_printf(m, "dump_parts: %lld\n", atomic64_read(&st_dump_parts));
	return 0;
}

/*
 * Every table and route (format in nl_rtm.h). single_open() calls this again
 * with a bigger buffer when the output does not fit, so it must print the
 * same thing each time: it holds the lock for the whole walk.
 */
static int rtm_routes_show(struct seq_file *m, void *v)
{
	struct rtm_table *t;
	struct rtm_route *r;

	mutex_lock(&rtm_lock);
	list_for_each_entry(t, &rtm_tables, list) {
		seq_printf(m, "table %s %u\n", t->name, t->nroutes);
		for (r = rtm_route_first(t); r; r = rtm_route_next(r)) {
			seq_printf(m, "route %s %pI4/%u", t->name, &r->dst, r->plen);
			if (r->has_gateway)
				seq_printf(m, " via %pI4", &r->gateway);
			if (r->oif[0])
				seq_printf(m, " dev %s", r->oif);
			seq_printf(m, " metric %u\n", r->metric);
		}
	}
	mutex_unlock(&rtm_lock);
	return 0;
}

/* ---- Load and unload ---- */

static void rtm_free_all(void)
{
	struct rtm_table *t, *tmp;

	mutex_lock(&rtm_lock);
	list_for_each_entry_safe(t, tmp, &rtm_tables, list) {
		list_del(&t->list);
		rtm_table_free(t);
	}
	rtm_ntables = 0;
	mutex_unlock(&rtm_lock);
}

/* #region init */
static int __init nl_rtm_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = rtm_input,
		.groups = NLRTM_GROUP_CHANGES,
		/* Anyone may listen to changes; routes are not secret. */
		.flags = NL_CFG_F_NONROOT_RECV,
	};
	struct rtm_table *main_table;

	if (unit < 0 || unit >= MAX_LINKS) {
		pr_err("unit=%d is out of range: use 0..%d (23..31 are free)\n",
		       unit, MAX_LINKS - 1);
		return -EINVAL;
	}

	/* The default table exists from the start, like iproute2's "main". */
	main_table = kzalloc(sizeof(*main_table), GFP_KERNEL);
	if (!main_table)
		return -ENOMEM;
	strscpy(main_table->name, NLRTM_DEFAULT_TABLE, sizeof(main_table->name));
	main_table->routes = RB_ROOT;
	main_table->id = rtm_next_table_id++;
	list_add_tail(&main_table->list, &rtm_tables);
	rtm_ntables = 1;

	rtm_sk = netlink_kernel_create(&init_net, unit, &cfg);
	if (!rtm_sk) {
		pr_err("cannot create netlink unit %d: is another module serving it?\n",
		       unit);
		rtm_free_all();
		return -EBUSY;
	}

	rtm_proc_dir = proc_mkdir("nl_rtm", NULL);
	if (!rtm_proc_dir ||
	    !proc_create_single("state", 0444, rtm_proc_dir, rtm_state_show) ||
	    !proc_create_single("routes", 0444, rtm_proc_dir, rtm_routes_show)) {
		proc_remove(rtm_proc_dir);
		netlink_kernel_release(rtm_sk);
		rtm_free_all();
		return -ENOMEM;
	}

	pr_info("serving netlink unit %d\n", unit);
	return 0;
}
/* #endregion init */

static void __exit nl_rtm_exit(void)
{
	/* Readers first, then the socket (no new requests), then the data. */
	proc_remove(rtm_proc_dir);
	netlink_kernel_release(rtm_sk);
	rtm_free_all();
	pr_info("released netlink unit %d\n", unit);
}

module_init(nl_rtm_init);
module_exit(nl_rtm_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Netlink Workbook");
MODULE_DESCRIPTION("Lesson 4: routing table manager driven over raw netlink");
