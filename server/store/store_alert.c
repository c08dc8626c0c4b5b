/* store_alert.c: what the alert leader last sent of each alert, kept in
 * the store so that the replica that takes the leadership over never
 * sends an alert a second time. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

/* The longest rule or node name kept (both are configuration names). */
#define STORE_ALERT_NAME_MAX 128

/* Whether @rule and @node are names the table keeps. */
static int store_alert_names_ok(const char *rule, const char *node)
{
	return rule && node && rule[0] && node[0] &&
	       strlen(rule) < STORE_ALERT_NAME_MAX &&
	       strlen(node) < STORE_ALERT_NAME_MAX;
}

int store_alert_sent_get(struct store *st, const char *rule,
			 const char *node, struct store_alert_sent *out)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_alert_names_ok(rule, node))
		return -EINVAL;
	st = store_hold(st);
	rc = store_stmt_open(st, &s,
			     "SELECT firing, sent_at FROM alert_sent "
			     "WHERE rule = ?1 AND node = ?2",
			     "reading a sent alert");
	if (rc == 0 && (store_bind_text(&s, 1, rule) ||
			store_bind_text(&s, 2, node)))
		rc = store_fail(st, "reading a sent alert");
	if (rc == 0) {
		rc = store_stmt_step(&s);
		if (rc == 1) {
			out->firing = store_col_int(&s, 0) != 0;
			out->sent_at = store_col_int(&s, 1);
			rc = 0;
		} else if (rc == 0) {
			rc = -ENOENT;
		} else {
			rc = store_fail(st, "reading a sent alert");
		}
	}
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}

int store_alert_sent_set(struct store *st, const char *rule,
			 const char *node, int firing, long long sent_at)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_alert_names_ok(rule, node))
		return -EINVAL;
	st = store_hold(st);
	rc = store_stmt_open(st, &s,
			     "INSERT INTO alert_sent (rule, node, firing, "
			     "sent_at) VALUES (?1, ?2, ?3, ?4) "
			     "ON CONFLICT (rule, node) DO UPDATE SET "
			     "firing = excluded.firing, "
			     "sent_at = excluded.sent_at",
			     "recording a sent alert");
	if (rc == 0 && (store_bind_text(&s, 1, rule) ||
			store_bind_text(&s, 2, node) ||
			store_bind_int(&s, 3, firing ? 1 : 0) ||
			store_bind_int(&s, 4, sent_at) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "recording a sent alert");
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}
