/* collect.c: one collection of node metrics in the Prometheus text format. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "error.h"
#include "fileio.h"
#include "log.h"

static int collect_time(struct pbuf *b, struct collect_ctx *c);
static int collect_agent(struct pbuf *b, struct collect_ctx *c);

/* The collectors, in output order; "agent" last, so that it can time
 * the others. */
static const struct collect_def {
	const char *name;
	int (*run)(struct pbuf *b, struct collect_ctx *c);
} collect_defs[] = {
	{ "cpu", collect_cpu },
	{ "stat", collect_stat },
	{ "meminfo", collect_meminfo },
	{ "loadavg", collect_loadavg },
	{ "time", collect_time },
	{ "filesystem", collect_filesystem },
	{ "netdev", collect_netdev },
	{ "uname", collect_uname },
	{ "agent", collect_agent },
};

#define N_COLLECT (sizeof(collect_defs) / sizeof(collect_defs[0]))

double collect_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int collect_read(struct collect_ctx *c, const char *rel)
{
	char path[PATH_MAX], chunk[4096];
	ssize_t n;
	int fd, rc = 0;

	c->file.len = 0;
	c->file.overflow = 0;
	rc = fileio_join(path, sizeof(path), c->procfs, rel);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (rc == 0) {
		n = fileio_read_some(fd, chunk, sizeof(chunk));
		if (n < 0)
			rc = (int)n;
		else if (n == 0)
			break;
		else
			rc = pbuf_append(&c->file, chunk, (size_t)n);
	}
	close(fd);
	if (rc == 0 && (rc = pbuf_append(&c->file, "", 1)) == 0)
		c->file.len--;
	return rc;
}

const char *collect_line(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	*len = (size_t)((nl ? nl : end) - s);
	*p = nl ? nl + 1 : end;
	return s;
}

const char *collect_field(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *e;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
		;
	*p = e;
	*len = (size_t)(e - s);
	return e > s ? s : NULL;
}

int collect_label(struct prom_label *l, const char *name, const char *value,
		  size_t len)
{
	if (len > PROM_VALUE_MAX || strlen(name) > PROM_NAME_MAX)
		return -PB_ETOOBIG;
	strcpy(l->name, name);
	memcpy(l->value, value, len);
	l->value[len] = '\0';
	return 0;
}

int collect_single(struct pbuf *b, const char *name, const char *help,
		   enum prom_type type, double value)
{
	int rc;

	rc = promtext_write_family(b, name, help, type);
	if (rc == 0)
		rc = promtext_write_sample(b, name, NULL, 0, NULL, 0, value, 0);
	return rc;
}

/* node_time_seconds: the wall clock now, as node_exporter reports it. */
static int collect_time(struct pbuf *b, struct collect_ctx *c)
{
	(void)c;
	return collect_single(b, "node_time_seconds",
			      "System time in seconds since epoch (1970).",
			      PROM_GAUGE, collect_now());
}

/* The agent's health: a table of its counters and gauges. */
static int collect_agent(struct pbuf *b, struct collect_ctx *c)
{
	const struct collect_stats *st = c->st;
	const struct {
		const char *name, *help;
		enum prom_type type;
		double value;
	} v[] = {
		{ "podboot_agent_collections_total",
		  "Collections made since the agent started.", PROM_COUNTER,
		  (double)st->collections },
		{ "podboot_agent_push_failures_total",
		  "Deliveries that no upstream accepted (the batch was "
		  "spooled or kept).", PROM_COUNTER,
		  (double)st->push_failures },
		{ "podboot_agent_push_rejected_total",
		  "Batches an upstream refused for good (4xx), dropped.",
		  PROM_COUNTER, (double)st->push_rejected },
		{ "podboot_agent_spool_bytes",
		  "Bytes of batches waiting in the spool.", PROM_GAUGE,
		  (double)st->spool_bytes },
		{ "podboot_agent_spool_batches",
		  "Batches waiting in the spool.", PROM_GAUGE,
		  (double)st->spool_batches },
		{ "podboot_agent_spool_dropped_total",
		  "Spooled batches dropped, oldest first, to keep the spool "
		  "within its limit.", PROM_COUNTER,
		  (double)st->spool_dropped },
		{ "podboot_agent_replay_bytes_total",
		  "Bytes of spooled batches sent after an outage.",
		  PROM_COUNTER, (double)st->replay_bytes },
		{ "podboot_agent_replay_paced_seconds_total",
		  "Seconds the replay of the spool waited to stay under "
		  "--replay-rate-kbps.", PROM_COUNTER,
		  (double)st->replay_paced_ms / 1000 },
		{ "podboot_agent_last_push_timestamp_seconds",
		  "When an upstream last accepted a batch (0: never).",
		  PROM_GAUGE, st->last_push },
		{ "podboot_agent_collect_duration_seconds",
		  "Seconds this collection took.", PROM_GAUGE,
		  collect_now() - c->start },
	};
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(v) / sizeof(v[0]); i++)
		rc = collect_single(b, v[i].name, v[i].help, v[i].type,
				    v[i].value);
	return rc;
}

/* podboot_agent_collector_success{collector}: which collectors worked. */
static int collect_success(struct pbuf *b, const int *ok)
{
	static const char name[] = "podboot_agent_collector_success";
	struct prom_label l;
	size_t i;
	int rc;

	rc = promtext_write_family(b, name, "Whether a collector succeeded.",
				   PROM_GAUGE);
	for (i = 0; rc == 0 && i < N_COLLECT; i++) {
		collect_label(&l, "collector", collect_defs[i].name,
			      strlen(collect_defs[i].name));
		rc = promtext_write_sample(b, name, NULL, 0, &l, 1,
					   ok[i] ? 1 : 0, 0);
	}
	return rc;
}

int collect_all(struct pbuf *out, const char *procfs,
		struct collect_stats *st)
{
	static int warned[N_COLLECT];
	struct collect_ctx c = { .procfs = procfs, .st = st };
	int ok[N_COLLECT];
	size_t i, mark;
	int rc;

	c.start = collect_now();
	st->collections++;
	pbuf_init(&c.file, COLLECT_FILE_MAX);
	for (i = 0; i < N_COLLECT; i++) {
		mark = out->len;
		rc = collect_defs[i].run(out, &c);
		ok[i] = rc == 0;
		if (rc == 0)
			continue;
		/* Drop the half-written families: the text stays valid. */
		out->len = mark;
		out->overflow = 0;
		if (!warned[i]++)
			log_warn("collector %s: %s", collect_defs[i].name,
				 pb_strerror(rc));
	}
	pbuf_free(&c.file);
	mark = out->len;
	rc = collect_success(out, ok);
	if (rc != 0)
		out->len = mark;
	return rc;
}
