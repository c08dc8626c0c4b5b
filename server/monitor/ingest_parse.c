/* ingest_parse.c: what a push's request says, decided without I/O: its
 * headers, a relay batch's frame heads, the Pushgateway grouping path,
 * and the service discovery targets of a configuration. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ingest_parse.h"
#include "num.h"
#include "promtext.h"
#include "utf8.h"

#define INGEST_FRAME_FIELDS 7		/* PUSH token seq interval replay enc len */

/* Numbers from headers: absent gives @def; bad (or over @max) gives -1. */
long long ingest_number(const char *v, long long def, long long max)
{
	uint64_t n;

	if (!v)
		return def;
	if (num_parse_u64(v, strlen(v), (uint64_t)max, &n) != 0)
		return -1;
	return (long long)n;
}

int ingest_push_headers(const char *seq, const char *interval,
			const char *epoch, struct ingest_frame *h,
			const char **why)
{
	long long s = ingest_number(seq, 0, INGEST_SEQ_MAX);
	long long i = ingest_number(interval, 15, INGEST_INTERVAL_MAX);
	long long e = ingest_number(epoch, 0, INGEST_EPOCH_MAX);

	if (s < 0 || i < 1) {
		*why = "X-Podboot-Seq must be a number and X-Podboot-Interval "
		       "1 to 3600";
		return -EINVAL;
	}
	if (e < 0) {
		*why = "X-Podboot-Epoch must be a number from 0 to 2^53 - 1";
		return -EINVAL;
	}
	h->seq = (unsigned long long)s;
	h->epoch = (unsigned long long)e;
	h->interval = (unsigned int)i;
	return 0;
}

/* Next field of a frame's head, up to a single blank; NULL if empty or
 * past the end. */
static char *ingest_frame_field(char **p)
{
	char *s = *p, *sp;

	if (!s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp)
		*sp = '\0';
	*p = sp ? sp + 1 : NULL;
	return *s ? s : NULL;
}

const char *ingest_frame_refusal(int token_ok, int configured,
				 unsigned long long max_push,
				 const struct ingest_frame *f,
				 unsigned int *status)
{
	static const struct {
		unsigned int status;
		const char *why;
	} no[] = {
		{ 401, "invalid node token" },
		{ 403, "node is not configured" },
		{ 413, "push larger than the limit" },
	};
	size_t which;

	if (!token_ok)
		which = 0;
	else if (!configured)
		which = 1;
	else if (f->len > max_push)
		which = 2;
	else if (f->bad) {
		*status = 400;
		return f->bad;
	} else {
		*status = 0;
		return NULL;
	}
	*status = no[which].status;
	return no[which].why;
}

/* Why frame numbers @seq, @interval, @replay and @epoch (-1: not a
 * plain number within its limit) refuse the frame, or NULL. */
static const char *ingest_frame_bad(long long seq, long long interval,
				    long long replay, long long epoch)
{
	if (seq < 0 || interval < 1 || replay < 0)
		return "seq must be a number from 0 to 2^62, interval 1 to "
		       "3600 and replay 0 or 1";
	if (epoch < 0)
		return "epoch must be a number from 0 to 2^53 - 1";
	return NULL;
}

int ingest_frame_header(char *line, struct ingest_frame *fr)
{
	char *p = line, *f[INGEST_FRAME_FIELDS];
	long long seq, interval, replay, n, epoch = 0;
	char *ep = NULL;
	size_t i;

	memset(fr, 0, sizeof(*fr));
	for (i = 0; i < INGEST_FRAME_FIELDS; i++)
		if (!(f[i] = ingest_frame_field(&p)))
			return -EINVAL;
	if (p && !(ep = ingest_frame_field(&p)))
		return -EINVAL;
	if (ep)
		epoch = ingest_number(ep, -1, INGEST_EPOCH_MAX);
	n = ingest_number(f[6], -1, INGEST_SEQ_MAX);
	if (p || strcmp(f[0], "PUSH") != 0 ||
	    strlen(f[1]) >= sizeof(fr->token) ||
	    (strcmp(f[5], "gzip") != 0 && strcmp(f[5], "identity") != 0) ||
	    n < 0)
		return -EINVAL;
	seq = ingest_number(f[2], -1, INGEST_SEQ_MAX);
	interval = ingest_number(f[3], -1, INGEST_INTERVAL_MAX);
	replay = ingest_number(f[4], -1, 1);
	fr->bad = ingest_frame_bad(seq, interval, replay, epoch);
	snprintf(fr->token, sizeof(fr->token), "%s", f[1]);
	if (!fr->bad) {
		fr->seq = (unsigned long long)seq;
		fr->interval = (unsigned int)interval;
		fr->epoch = (unsigned long long)epoch;
	}
	fr->replay = replay == 1;
	fr->gzip = strcmp(f[5], "gzip") == 0;
	fr->len = (unsigned long long)n;
	return 0;
}

/*
 * Why grouping value @v cannot be put into /metrics as it is, or NULL if
 * it can: it must be valid UTF-8 (Prometheus refuses the whole scrape
 * otherwise), and hold no control character (C0, DEL or C1: they forge
 * lines in logs and terminals), '"' or '\' (values are not escaped).
 */
static const char *ingest_value_refusal(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	unsigned long cp;
	size_t n;

	for (; *p; p += n) {
		n = utf8_char(p, &cp);
		if (n == 0)
			return "is not valid UTF-8";
		if (utf8_is_control(cp))
			return "contains a control character";
		if (cp == '"' || cp == '\\')
			return "contains '\"' or '\\'";
	}
	return NULL;
}

int ingest_grouping(const char *rest, char *out, size_t size,
			   char *why, size_t why_size)
{
	static const char grammar[] = "expected /metrics/job/JOB"
				      "{/LABEL/VALUE} with plain values";
	char buf[1024], *save = NULL, *value;
	const char *label = "job", *bad;
	size_t off = 0;
	int n;

	if (strlen(rest) >= sizeof(buf)) {
		snprintf(why, why_size, "grouping key too long");
		return -EINVAL;
	}
	strcpy(buf, rest);
	/* The first pair is job and JOB; then LABEL/VALUE pairs. */
	value = strtok_r(buf, "/", &save);
	while (value) {
		/* Label names are ASCII by their grammar: safe to quote. */
		if (off > 0 && (!promtext_label_name_valid(label) ||
				strcmp(label, "job") == 0 ||
				strcmp(label, "pod") == 0 ||
				strcmp(label, "node") == 0)) {
			snprintf(why, why_size, "%s", grammar);
			return -EINVAL;
		}
		if ((bad = ingest_value_refusal(value)) != NULL) {
			snprintf(why, why_size, "the value of %s %s", label,
				 bad);
			return -EINVAL;
		}
		n = snprintf(out + off, size - off, "%s%s=\"%s\"",
			     off ? "," : "", label, value);
		if (n < 0 || (size_t)n >= size - off) {
			snprintf(why, why_size, "grouping key too long");
			return -EINVAL;
		}
		off += (size_t)n;
		if ((label = strtok_r(NULL, "/", &save)) == NULL)
			return 0;
		value = strtok_r(NULL, "/", &save);
	}
	snprintf(why, why_size, "%s", grammar);	/* no JOB, or a LABEL alone */
	return -EINVAL;
}

/* The targets of pod @p: its nodes' addresses, else host names. */
static json_t *ingest_sd_targets(const struct config *cfg,
				 const struct config_pod *p)
{
	json_t *targets = json_array();
	size_t i;

	for (i = 0; targets && i < cfg->n_nodes; i++)
		if (cfg->nodes[i].pod == p)
			json_array_append_new(
				targets, json_string(cfg->nodes[i].address[0] ?
							     cfg->nodes[i].address :
							     cfg->nodes[i].hostname));
	return targets;
}

json_t *ingest_sd_groups(const struct config *cfg)
{
	json_t *groups = json_array();
	size_t p;

	for (p = 0; groups && p < cfg->n_pods; p++)
		json_array_append_new(
			groups,
			json_pack("{s:o*, s:{s:s, s:s}}", "targets",
				  ingest_sd_targets(cfg, &cfg->pods[p]),
				  "labels", "pod", cfg->pods[p].name,
				  "__meta_podboot_site", cfg->pods[p].site));
	return groups;
}
