/* collect_proc.c: the collectors of /proc/stat, meminfo, loadavg, net/dev. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collect.h"
#include "error.h"
#include "num.h"

#define COLLECT_FIELDS_MAX 16		/* numbers kept from one line */

/* The numbers of [p, end), at most @max of them, after @skip fields. */
static size_t collect_numbers(const char *p, const char *end, size_t skip,
			      uint64_t *v, size_t max)
{
	const char *f;
	size_t len, n = 0;

	while (skip--)
		collect_field(&p, end, &len);
	while (n < max && (f = collect_field(&p, end, &len)) != NULL) {
		if (num_parse_u64(f, len, UINT64_MAX, &v[n]) != 0)
			break;
		n++;
	}
	return n;
}

/* ---- /proc/stat: CPU time ------------------------------------------- */

/* A family of per-CPU samples: fields of "cpuN" lines by mode. */
struct collect_cpu_family {
	const char *name, *help;
	const char *const *modes;	/* NULL-terminated, from field 0 */
	size_t first;			/* the field of modes[0] */
};

static const char *const collect_cpu_modes[] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq",
	"steal", NULL
};
static const char *const collect_guest_modes[] = { "user", "nice", NULL };

static const struct collect_cpu_family collect_cpu_families[] = {
	{ "node_cpu_seconds_total",
	  "Seconds the CPUs spent in each mode.", collect_cpu_modes, 0 },
	{ "node_cpu_guest_seconds_total",
	  "Seconds the CPUs spent in guests (VMs) for each mode.",
	  collect_guest_modes, 8 },
};

/* The samples of one "cpuN ..." line. */
static int collect_cpu_line(struct pbuf *b, const struct collect_cpu_family *f,
			    const char *line, size_t len, double hz)
{
	struct prom_label l[2];
	uint64_t v[COLLECT_FIELDS_MAX];
	size_t n, i, id;
	int rc = 0;

	for (id = 3; id < len && line[id] != ' '; id++)
		;
	if (collect_label(&l[0], "cpu", line + 3, id - 3) != 0)
		return -PB_ETOOBIG;
	strcpy(l[1].name, "mode");
	n = collect_numbers(line, line + len, 1, v, COLLECT_FIELDS_MAX);
	for (i = 0; rc == 0 && f->modes[i] && f->first + i < n; i++) {
		strcpy(l[1].value, f->modes[i]);
		rc = promtext_write_sample(b, f->name, NULL, 0, l, 2,
					   (double)v[f->first + i] / hz, 0);
	}
	return rc;
}

int collect_cpu(struct pbuf *b, struct collect_ctx *c)
{
	const char *p, *end, *line;
	long hz = sysconf(_SC_CLK_TCK);
	size_t i, len;
	int rc;

	if (hz <= 0)
		return -EINVAL;
	rc = collect_read(c, "stat");
	for (i = 0; rc == 0 && i < sizeof(collect_cpu_families) /
					   sizeof(collect_cpu_families[0]);
	     i++) {
		const struct collect_cpu_family *f = &collect_cpu_families[i];

		rc = promtext_write_family(b, f->name, f->help, PROM_COUNTER);
		p = c->file.data;
		end = p + c->file.len;
		while (rc == 0 && (line = collect_line(&p, end, &len))) {
			if (len > 3 && memcmp(line, "cpu", 3) == 0 &&
			    line[3] >= '0' && line[3] <= '9')
				rc = collect_cpu_line(b, f, line, len,
						      (double)hz);
		}
	}
	return rc;
}

/* ---- /proc/stat: the other lines -------------------------------------- */

static const struct {
	const char *key, *name, *help;
	enum prom_type type;
} collect_stat_keys[] = {
	{ "btime", "node_boot_time_seconds",
	  "Node boot time, in unixtime.", PROM_GAUGE },
	{ "ctxt", "node_context_switches_total",
	  "Total number of context switches.", PROM_COUNTER },
	{ "intr", "node_intr_total",
	  "Total number of interrupts serviced.", PROM_COUNTER },
	{ "processes", "node_forks_total", "Total number of forks.",
	  PROM_COUNTER },
	{ "procs_running", "node_procs_running",
	  "Number of processes in runnable state.", PROM_GAUGE },
	{ "procs_blocked", "node_procs_blocked",
	  "Number of processes blocked waiting for I/O to complete.",
	  PROM_GAUGE },
};

int collect_stat(struct pbuf *b, struct collect_ctx *c)
{
	const char *p, *end, *line, *key;
	size_t i, len, klen;
	uint64_t v;
	int rc;

	rc = collect_read(c, "stat");
	for (i = 0; rc == 0 && i < sizeof(collect_stat_keys) /
					   sizeof(collect_stat_keys[0]);
	     i++) {
		p = c->file.data;
		end = p + c->file.len;
		while ((line = collect_line(&p, end, &len))) {
			const char *q = line;

			key = collect_field(&q, line + len, &klen);
			if (!key || klen != strlen(collect_stat_keys[i].key) ||
			    memcmp(key, collect_stat_keys[i].key, klen) != 0)
				continue;
			if (collect_numbers(line, line + len, 1, &v, 1) == 1)
				rc = collect_single(
					b, collect_stat_keys[i].name,
					collect_stat_keys[i].help,
					collect_stat_keys[i].type, (double)v);
			break;
		}
	}
	return rc;
}

/* ---- /proc/meminfo ---------------------------------------------------- */

static const char *const collect_mem_keys[] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached",
	"SwapTotal", "SwapFree",
};

/* "Key:   1234 kB" -> bytes; -ENOENT if @key is not there. */
static int collect_mem_value(const char *text, size_t tlen, const char *key,
			     uint64_t *bytes)
{
	const char *p = text, *end = text + tlen, *line, *f, *q;
	size_t len, klen = strlen(key), flen;
	uint64_t v;

	while ((line = collect_line(&p, end, &len))) {
		if (len <= klen || line[klen] != ':' ||
		    memcmp(line, key, klen) != 0)
			continue;
		q = line + klen + 1;
		f = collect_field(&q, line + len, &flen);
		if (!f || num_parse_u64(f, flen, UINT64_MAX / 1024, &v) != 0)
			return -EBADMSG;
		f = collect_field(&q, line + len, &flen);
		*bytes = f && flen == 2 && memcmp(f, "kB", 2) == 0 ? v * 1024 :
								      v;
		return 0;
	}
	return -ENOENT;
}

int collect_meminfo(struct pbuf *b, struct collect_ctx *c)
{
	char name[PROM_NAME_MAX], help[PROM_NAME_MAX];
	uint64_t v;
	size_t i;
	int rc;

	rc = collect_read(c, "meminfo");
	for (i = 0; rc == 0 && i < sizeof(collect_mem_keys) /
					   sizeof(collect_mem_keys[0]);
	     i++) {
		rc = collect_mem_value(c->file.data, c->file.len,
				       collect_mem_keys[i], &v);
		if (rc == -ENOENT) {	/* old kernels lack MemAvailable */
			rc = 0;
			continue;
		}
		snprintf(name, sizeof(name), "node_memory_%s_bytes",
			 collect_mem_keys[i]);
		snprintf(help, sizeof(help),
			 "Memory information field %s_bytes.",
			 collect_mem_keys[i]);
		if (rc == 0)
			rc = collect_single(b, name, help, PROM_GAUGE,
					    (double)v);
	}
	return rc;
}

/* ---- /proc/loadavg ---------------------------------------------------- */

int collect_loadavg(struct pbuf *b, struct collect_ctx *c)
{
	static const char *const names[] = { "node_load1", "node_load5",
					     "node_load15" };
	static const char *const helps[] = { "1m load average.",
					     "5m load average.",
					     "15m load average." };
	const char *s;
	char *e;
	double v[3];
	size_t i;
	int rc;

	rc = collect_read(c, "loadavg");
	for (i = 0, s = c->file.data; rc == 0 && i < 3; i++, s = e) {
		v[i] = strtod(s, &e);
		if (e == s || (*e != ' ' && *e != '\n'))
			rc = -EBADMSG;
	}
	for (i = 0; rc == 0 && i < 3; i++)
		rc = collect_single(b, names[i], helps[i], PROM_GAUGE, v[i]);
	return rc;
}

/* ---- /proc/net/dev ---------------------------------------------------- */

static const struct {
	const char *name;
	size_t field;			/* of the 16 after "iface:" */
} collect_net_fields[] = {
	{ "receive_bytes", 0 },	  { "receive_packets", 1 },
	{ "receive_errs", 2 },	  { "receive_drop", 3 },
	{ "transmit_bytes", 8 },  { "transmit_packets", 9 },
	{ "transmit_errs", 10 },  { "transmit_drop", 11 },
};

/* The sample of one interface line for field @field of family @name. */
static int collect_net_line(struct pbuf *b, const char *name, size_t field,
			    const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *dev = line;
	struct prom_label l;
	uint64_t v[COLLECT_FIELDS_MAX];
	size_t dlen;

	if (!colon)
		return 0;
	while (dev < colon && *dev == ' ')
		dev++;
	dlen = (size_t)(colon - dev);
	/* The numbers may follow "iface:" without a space. */
	if (collect_numbers(colon + 1, line + len, 0, v, COLLECT_FIELDS_MAX) <=
	    field)
		return -EBADMSG;
	if (collect_label(&l, "device", dev, dlen) != 0)
		return -PB_ETOOBIG;
	return promtext_write_sample(b, name, NULL, 0, &l, 1,
				     (double)v[field], 0);
}

int collect_netdev(struct pbuf *b, struct collect_ctx *c)
{
	char name[PROM_NAME_MAX], help[PROM_NAME_MAX];
	const char *p, *end, *line;
	size_t i, len, n;
	int rc;

	rc = collect_read(c, "net/dev");
	for (i = 0; rc == 0 && i < sizeof(collect_net_fields) /
					   sizeof(collect_net_fields[0]);
	     i++) {
		snprintf(name, sizeof(name), "node_network_%s_total",
			 collect_net_fields[i].name);
		snprintf(help, sizeof(help), "Network device statistic %s.",
			 collect_net_fields[i].name);
		rc = promtext_write_family(b, name, help, PROM_COUNTER);
		p = c->file.data;
		end = p + c->file.len;
		for (n = 0; rc == 0 && (line = collect_line(&p, end, &len));
		     n++)
			if (n >= 2)	/* two header lines */
				rc = collect_net_line(
					b, name, collect_net_fields[i].field,
					line, len);
	}
	return rc;
}

/* ---- uname ------------------------------------------------------------ */

int collect_uname(struct pbuf *b, struct collect_ctx *c)
{
	struct prom_label l[6];
	struct utsname u;
	int rc;

	(void)c;
	if (uname(&u) != 0)
		return -errno;
	rc = collect_label(&l[0], "domainname", u.domainname,
			   strlen(u.domainname));
	rc = rc ? rc : collect_label(&l[1], "machine", u.machine,
				     strlen(u.machine));
	rc = rc ? rc : collect_label(&l[2], "nodename", u.nodename,
				     strlen(u.nodename));
	rc = rc ? rc : collect_label(&l[3], "release", u.release,
				     strlen(u.release));
	rc = rc ? rc : collect_label(&l[4], "sysname", u.sysname,
				     strlen(u.sysname));
	rc = rc ? rc : collect_label(&l[5], "version", u.version,
				     strlen(u.version));
	rc = rc ? rc : promtext_write_family(b, "node_uname_info",
					     "Labeled system information as "
					     "provided by the uname system "
					     "call.", PROM_GAUGE);
	return rc ? rc : promtext_write_sample(b, "node_uname_info", NULL, 0,
					       l, 6, 1, 0);
}
