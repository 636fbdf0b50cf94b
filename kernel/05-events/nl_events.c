// SPDX-License-Identifier: GPL-2.0
/*
 * nl_events: kernel events multicast to generic netlink groups (lesson 5).
 *
 * The family "nl_events" has two multicast groups, "events" and "alerts".
 * Every event gets the next sequence number of its group (1, 2, 3, ...), a
 * CLOCK_MONOTONIC timestamp and a text; it is written to the group's log (a
 * ring of the last NL_EVENTS_LOG_CAPACITY events) and multicast to whoever
 * joined the group. Events come from two sources:
 *
 *  - TRIGGER (doit) emits COUNT events at once, so tests are deterministic;
 *  - a periodic source (module parameter period_ms, 0 = off, writable at
 *    runtime through /sys/module/nl_events/parameters/period_ms) emits a
 *    "tick" event to the "events" group.
 *
 * GET_LOG (dump) returns a group's log, so a listener that lost notifications
 * (ENOBUFS, or a jump in SEQ) can resynchronise.
 *
 * Locking: each group has a mutex that covers numbering, logging AND sending,
 * so the order on the wire is the order of SEQ even when TRIGGER and the
 * periodic source run at the same time. It is a mutex (not a spinlock)
 * because both sources run in process context and sending with GFP_KERNEL may
 * sleep; that is also why the periodic source is a delayed_work rather than
 * an hrtimer, whose callback runs in interrupt context and could neither
 * sleep nor take this mutex.
 *
 * State is readable at /proc/nl_events/state and /proc/nl_events/log_<group>.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "nl_events.h"

#define LOG_MASK	(NL_EVENTS_LOG_CAPACITY - 1)

/* The ring indexes by seq & LOG_MASK, which needs a power of two. */
static_assert((NL_EVENTS_LOG_CAPACITY & LOG_MASK) == 0);

/* #region state */
struct nl_events_entry {
	u64 seq;
	u64 time_ns;
	char text[NL_EVENTS_TEXT_MAX];
};

struct nl_events_group_state {
	/*
	 * Held while an event is numbered, logged and multicast, and while the
	 * log is read (GET_LOG, /proc). A mutex: everything here runs in
	 * process context and genlmsg_multicast(GFP_KERNEL) may sleep.
	 */
	struct mutex lock;
	u64 next_seq;		/* SEQ of the next event; the first is 1 */
	u64 sent;		/* events emitted (logged and handed to netlink) */
	u64 delivered;		/* ... that reached at least one listener */
	u64 unheard;		/* ... that nobody was listening to (-ESRCH) */
	u64 failed;		/* ... that could not be sent (no memory, ...) */
	/*
	 * The event with sequence number s lives in log[s & LOG_MASK]; the log
	 * holds seqs next_seq - log_len .. next_seq - 1.
	 */
	struct nl_events_entry *log;
	u32 log_len;
};
/* #endregion state */

static struct nl_events_group_state groups[NL_EVENTS_GROUP_COUNT];
static const char *const group_names[NL_EVENTS_GROUP_COUNT] = {
	[NL_EVENTS_GROUP_EVENTS] = NL_EVENTS_GROUP_EVENTS_NAME,
	[NL_EVENTS_GROUP_ALERTS] = NL_EVENTS_GROUP_ALERTS_NAME,
};

static atomic64_t triggers_served = ATOMIC64_INIT(0);
static atomic64_t ticks_sent = ATOMIC64_INIT(0);

static struct genl_family nl_events_family;
static struct proc_dir_entry *proc_dir;

/* #region groups */
/*
 * The kernel assigns the group ids when the family registers (mcgrp_offset +
 * index); userspace learns them from nlctrl's CTRL_ATTR_MCAST_GROUPS.
 */
static const struct genl_multicast_group nl_events_mcgrps[] = {
	[NL_EVENTS_GROUP_EVENTS] = { .name = NL_EVENTS_GROUP_EVENTS_NAME },
	[NL_EVENTS_GROUP_ALERTS] = { .name = NL_EVENTS_GROUP_ALERTS_NAME },
};
/* #endregion groups */

/* #region message */
static size_t nl_events_msg_size(const struct nl_events_entry *e)
{
	return nla_total_size(sizeof(u32)) +		/* GROUP */
	       nla_total_size_64bit(sizeof(u64)) +	/* SEQ */
	       nla_total_size_64bit(sizeof(u64)) +	/* TIME_NS */
	       nla_total_size(strlen(e->text) + 1);	/* TEXT */
}

/*
 * One EVENT message: a notification (portid 0, seq 0) or a part of a GET_LOG
 * dump (the requester's portid and seq, NLM_F_MULTI; cb checks consistency).
 */
static int nl_events_put_event(struct sk_buff *skb, u32 portid, u32 seq,
			       int flags, unsigned int group,
			       const struct nl_events_entry *e,
			       struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nl_events_family, flags,
			  NL_EVENTS_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, NL_EVENTS_ATTR_GROUP, group) ||
	    nla_put_u64_64bit(skb, NL_EVENTS_ATTR_SEQ, e->seq,
			      NL_EVENTS_ATTR_PAD) ||
	    nla_put_u64_64bit(skb, NL_EVENTS_ATTR_TIME_NS, e->time_ns,
			      NL_EVENTS_ATTR_PAD) ||
	    nla_put_string(skb, NL_EVENTS_ATTR_TEXT, e->text)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}
/* #endregion message */

/* #region emit */
/*
 * Numbers, logs and multicasts one event. Caller holds g->lock, so no other
 * event of this group can get a seq between ours and our send.
 *
 * The event is logged even when nobody listens or the send fails: the log is
 * what a listener resynchronises from.
 */
static int nl_events_emit_locked(unsigned int group, const char *text)
{
	struct nl_events_group_state *g = &groups[group];
	struct nl_events_entry *e;
	struct sk_buff *skb;
	int err;

	lockdep_assert_held(&g->lock);

	e = &g->log[g->next_seq & LOG_MASK];
	e->seq = g->next_seq++;
	e->time_ns = ktime_get_ns();
	strscpy(e->text, text, sizeof(e->text));
	if (g->log_len < NL_EVENTS_LOG_CAPACITY)
		g->log_len++;
	g->sent++;

	skb = genlmsg_new(nl_events_msg_size(e), GFP_KERNEL);
	if (!skb) {
		g->failed++;
		return -ENOMEM;
	}
	/* A notification: nobody asked for it, so portid 0 and seq 0. */
	err = nl_events_put_event(skb, 0, 0, 0, group, e, NULL);
	if (err) {
		nlmsg_free(skb);
		g->failed++;
		return err;
	}

	/*
	 * genlmsg_multicast() consumes the skb in every case. It returns
	 * -ESRCH when no socket has joined the group: not an error for us.
	 * Listeners whose receive queue is full simply miss the event (the
	 * kernel flags ENOBUFS on their socket); that is not reported here.
	 */
	err = genlmsg_multicast(&nl_events_family, skb, 0, group, GFP_KERNEL);
	if (!err)
		g->delivered++;
	else if (err == -ESRCH)
		g->unheard++;
	else
		g->failed++;
	return 0;
}
/* #endregion emit */

/* #region periodic */
static unsigned int period_ms;
/*
 * period_lock orders parameter writes against module init/exit: the work is
 * only (re)armed while source_ready is true. It is never held while waiting
 * for the work, since the work takes it too.
 */
static DEFINE_MUTEX(period_lock);
static bool source_ready;

static void nl_events_tick(struct work_struct *work);
static DECLARE_DELAYED_WORK(tick_work, nl_events_tick);

static void nl_events_tick(struct work_struct *work)
{
	struct nl_events_group_state *g = &groups[NL_EVENTS_GROUP_EVENTS];
	char text[NL_EVENTS_TEXT_MAX];

	mutex_lock(&g->lock);
	snprintf(text, sizeof(text), NL_EVENTS_TICK_PREFIX " %llu", g->next_seq);
	nl_events_emit_locked(NL_EVENTS_GROUP_EVENTS, text);
	mutex_unlock(&g->lock);
	atomic64_inc(&ticks_sent);

	/* Re-arm unless the period became 0 or the module is going away. */
	mutex_lock(&period_lock);
	if (source_ready && period_ms)
		schedule_delayed_work(&tick_work, msecs_to_jiffies(period_ms));
	mutex_unlock(&period_lock);
}

/* Writing the parameter at runtime restarts (or stops) the source at once. */
static int period_ms_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v > NL_EVENTS_PERIOD_MAX_MS)
		return -ERANGE;

	mutex_lock(&period_lock);
	period_ms = v;
	if (source_ready) {
		if (v)
			mod_delayed_work(system_wq, &tick_work,
					 msecs_to_jiffies(v));
		else
			cancel_delayed_work(&tick_work);	/* a running tick won't re-arm */
	}
	mutex_unlock(&period_lock);
	return 0;
}

static const struct kernel_param_ops period_ms_ops = {
	.set = period_ms_set,
	.get = param_get_uint,
};
module_param_cb(period_ms, &period_ms_ops, &period_ms, 0644);
MODULE_PARM_DESC(period_ms, "milliseconds between periodic events on the \"events\" group (0 = off, max 3600000)");
/* #endregion periodic */

/* #region trigger */
static int nl_events_check_text(const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	const char *s = nla_data(attr);
	size_t i, n = strnlen(s, nla_len(attr));

	if (n == 0) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "TEXT is empty: leave it out to get the default text");
		return -EINVAL;
	}
	/* One event is one line in /proc/nl_events/log_<group>. */
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "TEXT contains a control character");
			return -EINVAL;
		}
	}
	return 0;
}

static int nl_events_trigger(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nl_events_group_state *g;
	char text[NL_EVENTS_TEXT_MAX];
	unsigned int group;
	struct sk_buff *reply;
	u32 count, i;
	u64 first;
	void *hdr;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, NL_EVENTS_ATTR_GROUP)) {
		GENL_SET_ERR_MSG(info, "TRIGGER needs NL_EVENTS_ATTR_GROUP (u32 group index: 0 events, 1 alerts)");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, NL_EVENTS_ATTR_COUNT)) {
		GENL_SET_ERR_MSG(info, "TRIGGER needs NL_EVENTS_ATTR_COUNT (u32, 1..100000)");
		return -EINVAL;
	}
	if (attrs[NL_EVENTS_ATTR_TEXT]) {
		err = nl_events_check_text(attrs[NL_EVENTS_ATTR_TEXT], info->extack);
		if (err)
			return err;
	}
	/* The policy already bounded both values. */
	group = nla_get_u32(attrs[NL_EVENTS_ATTR_GROUP]);
	count = nla_get_u32(attrs[NL_EVENTS_ATTR_COUNT]);
	g = &groups[group];

	/* Allocate the reply first: once events are out they cannot be taken back. */
	reply = genlmsg_new(nla_total_size(sizeof(u32)) * 2 +
			    nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	/* Hold the lock for the whole burst: its seqs are consecutive. */
	mutex_lock(&g->lock);
	first = g->next_seq;
	for (i = 0; i < count; i++) {
		if (attrs[NL_EVENTS_ATTR_TEXT])
			nla_strscpy(text, attrs[NL_EVENTS_ATTR_TEXT], sizeof(text));
		else
			snprintf(text, sizeof(text), "trigger %u/%u", i + 1, count);
		err = nl_events_emit_locked(group, text);
		if (err)
			break;
		/* A burst of 100000 must not hog the CPU (the mutex may sleep). */
		if ((i & 255) == 255)
			cond_resched();
	}
	mutex_unlock(&g->lock);
	atomic64_inc(&triggers_served);

	if (err) {
		nlmsg_free(reply);
		GENL_SET_ERR_MSG(info, "out of memory in the middle of the burst: GET_LOG shows the events already emitted");
		return err;
	}

	/* The reply echoes the request's seq (genlmsg_put_reply uses info). */
	hdr = genlmsg_put_reply(reply, info, &nl_events_family, 0,
				NL_EVENTS_CMD_TRIGGER);
	if (!hdr ||
	    nla_put_u32(reply, NL_EVENTS_ATTR_GROUP, group) ||
	    nla_put_u64_64bit(reply, NL_EVENTS_ATTR_SEQ, first, NL_EVENTS_ATTR_PAD) ||
	    nla_put_u32(reply, NL_EVENTS_ATTR_COUNT, count)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}
/* #endregion trigger */

/* #region get_log */
/* Where a GET_LOG dump is, kept in cb->ctx between the dumpit calls. */
struct nl_events_dump_ctx {
	int err;	/* a request error found by start, reported by the dumpit */
	u32 group;
	u64 next;	/* seq of the next event to return */
	u64 end;	/* first seq NOT returned: next_seq when the dump began */
};

static int nl_events_log_start(struct netlink_callback *cb)
{
	struct nl_events_dump_ctx *ctx = (struct nl_events_dump_ctx *)cb->ctx;
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct nl_events_group_state *g;
	u64 oldest;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));

	/*
	 * On 6.1 a start callback has no extack to write to (cb->extack is only
	 * set while the dumpit runs), so a missing GROUP is remembered here and
	 * reported by the first dumpit call: NLMSG_DONE then carries -EINVAL and
	 * the message.
	 */
	if (!attrs[NL_EVENTS_ATTR_GROUP]) {
		ctx->err = -EINVAL;
		return 0;
	}
	ctx->group = nla_get_u32(attrs[NL_EVENTS_ATTR_GROUP]);
	g = &groups[ctx->group];

	mutex_lock(&g->lock);
	ctx->end = g->next_seq;
	oldest = g->next_seq - g->log_len;
	mutex_unlock(&g->lock);

	ctx->next = oldest;
	if (attrs[NL_EVENTS_ATTR_SEQ])
		ctx->next = max(ctx->next, nla_get_u64(attrs[NL_EVENTS_ATTR_SEQ]));
	if (attrs[NL_EVENTS_ATTR_COUNT]) {
		u32 n = nla_get_u32(attrs[NL_EVENTS_ATTR_COUNT]);

		if (ctx->end - ctx->next > n)
			ctx->next = ctx->end - n;
	}
	ctx->next = min(ctx->next, ctx->end);
	/* prev_seq starts at 0, so only a change after the first part is flagged. */
	cb->seq = 1;
	return 0;
}

static int nl_events_log_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nl_events_dump_ctx *ctx = (struct nl_events_dump_ctx *)cb->ctx;
	u32 portid = NETLINK_CB(cb->skb).portid;
	struct nl_events_group_state *g;
	u64 oldest;
	int err;

	if (ctx->err) {
		NL_SET_ERR_MSG(cb->extack, "GET_LOG needs NL_EVENTS_ATTR_GROUP (u32 group index: 0 events, 1 alerts)");
		return ctx->err;
	}
	g = &groups[ctx->group];
	mutex_lock(&g->lock);
	oldest = g->next_seq - g->log_len;
	if (ctx->next < oldest) {
		/*
		 * Events we were about to return were overwritten between two
		 * parts of this dump: skip them and flag NLM_F_DUMP_INTR.
		 */
		ctx->next = oldest;
		cb->seq++;
	}
	while (ctx->next < ctx->end) {
		err = nl_events_put_event(skb, portid, cb->nlh->nlmsg_seq,
					  NLM_F_MULTI, ctx->group,
					  &g->log[ctx->next & LOG_MASK], cb);
		if (err)
			break;	/* skb full: netlink calls us again */
		ctx->next++;
	}
	mutex_unlock(&g->lock);
	/* 0 bytes means done: netlink then sends NLMSG_DONE. */
	return skb->len;
}
/* #endregion get_log */

/* #region family */
/*
 * Per-command policies: with strict validation an attribute a command does
 * not use (left NLA_UNSPEC here) is rejected, not silently ignored.
 */
/*
 * Policy min/max are s16: a u32 bound above 32767 needs a range struct (not
 * const: the 6.1 policy points to it through a non-const pointer).
 */
static struct netlink_range_validation count_range = {
	.min = NL_EVENTS_TRIGGER_MIN,
	.max = NL_EVENTS_TRIGGER_MAX,
};

static const struct nla_policy trigger_policy[NL_EVENTS_ATTR_MAX + 1] = {
	[NL_EVENTS_ATTR_GROUP]	= NLA_POLICY_MAX(NLA_U32, NL_EVENTS_GROUP_COUNT - 1),
	[NL_EVENTS_ATTR_COUNT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &count_range),
	[NL_EVENTS_ATTR_TEXT]	= { .type = NLA_NUL_STRING, .len = NL_EVENTS_TEXT_MAX - 1 },
};

static const struct nla_policy get_log_policy[NL_EVENTS_ATTR_MAX + 1] = {
	[NL_EVENTS_ATTR_GROUP]	= NLA_POLICY_MAX(NLA_U32, NL_EVENTS_GROUP_COUNT - 1),
	[NL_EVENTS_ATTR_SEQ]	= { .type = NLA_U64 },
	[NL_EVENTS_ATTR_COUNT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &count_range),
};

static const struct genl_ops nl_events_ops[] = {
	{
		.cmd	= NL_EVENTS_CMD_TRIGGER,
		.doit	= nl_events_trigger,
		.policy	= trigger_policy,
		.maxattr = NL_EVENTS_ATTR_MAX,
	},
	{
		.cmd	= NL_EVENTS_CMD_GET_LOG,
		.start	= nl_events_log_start,
		.dumpit	= nl_events_log_dump,
		.policy	= get_log_policy,
		.maxattr = NL_EVENTS_ATTR_MAX,
	},
};

static struct genl_family nl_events_family __ro_after_init = {
	.name		= NL_EVENTS_FAMILY_NAME,
	.version	= NL_EVENTS_FAMILY_VERSION,
	.maxattr	= NL_EVENTS_ATTR_MAX,
	.module		= THIS_MODULE,
	.ops		= nl_events_ops,
	.n_ops		= ARRAY_SIZE(nl_events_ops),
	.mcgrps		= nl_events_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nl_events_mcgrps),
	/*
	 * Commands numbered >= resv_start_op get strict checks: reserved
	 * nlmsg_flags bits (CREATE, EXCL, ...) and a non-zero genlmsghdr
	 * reserved field are rejected with -EINVAL. A new family starts at 0
	 * so every command is checked; only old families exempt old commands.
	 */
	.resv_start_op	= 0,
};
/* #endregion family */

/* #region proc */
static int nl_events_state_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_printf(m, "family: %s\n", NL_EVENTS_FAMILY_NAME);
	seq_printf(m, "family_id: %d\n", nl_events_family.id);
	seq_printf(m, "version: %d\n", NL_EVENTS_FAMILY_VERSION);
	seq_printf(m, "period_ms: %u\n", READ_ONCE(period_ms));
	seq_printf(m, "log_capacity: %d\n", NL_EVENTS_LOG_CAPACITY);
	seq_printf(m, "triggers: %lld\n", atomic64_read(&triggers_served));
	seq_printf(m, "ticks: %lld\n", atomic64_read(&ticks_sent));
	for (i = 0; i < NL_EVENTS_GROUP_COUNT; i++) {
		struct nl_events_group_state *g = &groups[i];
		const char *name = group_names[i];
		u64 next, sent, delivered, unheard, failed;
		u32 len;

		/* Copy under the lock, print outside it. */
		mutex_lock(&g->lock);
		next = g->next_seq;
		sent = g->sent;
		delivered = g->delivered;
		unheard = g->unheard;
		failed = g->failed;
		len = g->log_len;
		mutex_unlock(&g->lock);

		seq_printf(m, "%s.index: %u\n", name, i);
		seq_printf(m, "%s.group_id: %u\n", name,
			   nl_events_family.mcgrp_offset + i);
		seq_printf(m, "%s.next_seq: %llu\n", name, next);
		seq_printf(m, "%s.sent: %llu\n", name, sent);
		seq_printf(m, "%s.delivered: %llu\n", name, delivered);
		seq_printf(m, "%s.unheard: %llu\n", name, unheard);
		seq_printf(m, "%s.failed: %llu\n", name, failed);
		seq_printf(m, "%s.log_size: %u\n", name, len);
		seq_printf(m, "%s.oldest_seq: %llu\n", name, next - len);
		/* Netlink only says whether anybody listens, not how many. */
		seq_printf(m, "%s.listening: %d\n", name,
			   genl_has_listeners(&nl_events_family, &init_net, i) ? 1 : 0);
	}
	return 0;
}

/*
 * /proc/nl_events/log_<group>: "<seq> <time_ns> <text>" per line, oldest
 * first. The file position is the seq itself, so a reader that reads in
 * several chunks while events arrive sees each event at most once, in order
 * (events overwritten in between are skipped). The group's lock is held from
 * start to stop of each chunk.
 */
/* proc_create_seq_data() keeps our pointer in the proc entry, not m->private. */
static struct nl_events_group_state *log_group(struct seq_file *m)
{
	return pde_data(file_inode(m->file));
}

static void *log_seq_start(struct seq_file *m, loff_t *pos)
{
	struct nl_events_group_state *g = log_group(m);
	u64 oldest;

	mutex_lock(&g->lock);
	oldest = g->next_seq - g->log_len;
	if ((u64)*pos < oldest)
		*pos = oldest;
	if ((u64)*pos >= g->next_seq)
		return NULL;
	return &g->log[*pos & LOG_MASK];
}

static void *log_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct nl_events_group_state *g = log_group(m);

	++*pos;
	if ((u64)*pos >= g->next_seq)
		return NULL;
	return &g->log[*pos & LOG_MASK];
}

static void log_seq_stop(struct seq_file *m, void *v)
{
	struct nl_events_group_state *g = log_group(m);

	mutex_unlock(&g->lock);
}

static int log_seq_show(struct seq_file *m, void *v)
{
	const struct nl_events_entry *e = v;

	seq_printf(m, "%llu %llu %s\n", e->seq, e->time_ns, e->text);
	return 0;
}

static const struct seq_operations log_seq_ops = {
	.start	= log_seq_start,
	.next	= log_seq_next,
	.stop	= log_seq_stop,
	.show	= log_seq_show,
};

static int nl_events_proc_create(void)
{
	char name[16];
	unsigned int i;

	proc_dir = proc_mkdir("nl_events", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create_single("state", 0444, proc_dir, nl_events_state_show))
		goto fail;
	for (i = 0; i < NL_EVENTS_GROUP_COUNT; i++) {
		snprintf(name, sizeof(name), "log_%s", group_names[i]);
		if (!proc_create_seq_data(name, 0444, proc_dir, &log_seq_ops,
					  &groups[i]))
			goto fail;
	}
	return 0;
fail:
	proc_remove(proc_dir);
	return -ENOMEM;
}
/* #endregion proc */

/* #region init */
static void nl_events_free_logs(void)
{
	unsigned int i;

	for (i = 0; i < NL_EVENTS_GROUP_COUNT; i++) {
		kvfree(groups[i].log);
		groups[i].log = NULL;
	}
}

static int __init nl_events_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < NL_EVENTS_GROUP_COUNT; i++) {
		struct nl_events_group_state *g = &groups[i];

		mutex_init(&g->lock);
		g->next_seq = 1;
		g->log = kvcalloc(NL_EVENTS_LOG_CAPACITY, sizeof(*g->log),
				  GFP_KERNEL);
		if (!g->log) {
			nl_events_free_logs();
			return -ENOMEM;
		}
	}

	err = genl_register_family(&nl_events_family);
	if (err) {
		pr_err("cannot register generic netlink family %s: %d\n",
		       NL_EVENTS_FAMILY_NAME, err);
		nl_events_free_logs();
		return err;
	}

	err = nl_events_proc_create();
	if (err) {
		genl_unregister_family(&nl_events_family);
		nl_events_free_logs();
		return err;
	}

	/* Only now may the periodic source run: the family exists. */
	mutex_lock(&period_lock);
	source_ready = true;
	if (period_ms)
		schedule_delayed_work(&tick_work, msecs_to_jiffies(period_ms));
	mutex_unlock(&period_lock);

	pr_info("family %s id %d, groups %s=%u %s=%u, period_ms=%u\n",
		NL_EVENTS_FAMILY_NAME, nl_events_family.id,
		group_names[0], nl_events_family.mcgrp_offset,
		group_names[1], nl_events_family.mcgrp_offset + 1, period_ms);
	return 0;
}
/* #endregion init */

/* #region exit */
static void __exit nl_events_exit(void)
{
	/* Stop the source first: no new arming, then wait for a running tick. */
	mutex_lock(&period_lock);
	source_ready = false;
	mutex_unlock(&period_lock);
	cancel_delayed_work_sync(&tick_work);

	proc_remove(proc_dir);
	/*
	 * Unregistering waits for running requests and removes every socket
	 * from our groups: subscribed listeners simply stop hearing from us.
	 */
	genl_unregister_family(&nl_events_family);
	nl_events_free_logs();
	pr_info("family %s unregistered\n", NL_EVENTS_FAMILY_NAME);
}
/* #endregion exit */

module_init(nl_events_init);
module_exit(nl_events_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Netlink Workbook");
MODULE_DESCRIPTION("Lesson 5: events multicast to generic netlink groups, with a log for resync");
