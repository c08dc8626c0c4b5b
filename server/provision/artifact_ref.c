/* artifact_ref.c: the artifact routes' decisions as pure functions: a
 * download reference, what plain HTTP may serve, an upload's declared
 * length, and what a download answers (304, 416, 206 or 200).  No I/O. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "artifact_int.h"
#include "config.h"
#include "error.h"
#include "num.h"

int artifact_parse_ref(const char *ref, char name[ARTIFACT_NAME_MAX + 1],
		       char sha[65], int *sig)
{
	char buf[256];
	size_t len = strlen(ref);
	char *at;

	if (len >= sizeof(buf))
		return -PB_EBAD_NAME;
	memcpy(buf, ref, len + 1);
	*sig = len > 4 && strcmp(buf + len - 4, ".sig") == 0;
	if (*sig)
		buf[len - 4] = '\0';
	sha[0] = '\0';
	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (strncmp(at + 1, "sha256:", 7) != 0 ||
		    strlen(at + 8) != 64 ||
		    strspn(at + 8, "0123456789abcdef") != 64)
			return -PB_EBAD_NAME;
		memcpy(sha, at + 8, 65);
	}
	if (config_artifact_name_valid(buf) != 0 ||
	    strlen(buf) > ARTIFACT_NAME_MAX)
		return -PB_EBAD_NAME;
	memcpy(name, buf, strlen(buf) + 1);
	return 0;
}

int artifact_plain_allowed(const struct config *cfg, const char *name)
{
	const struct config_node *n;
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++) {
		n = &cfg->nodes[i];
		if (n->pod->allow_unverified &&
		    (strcmp(n->profile->kernel, name) == 0 ||
		     strcmp(n->profile->initrd, name) == 0))
			return 1;
	}
	return 0;
}

int artifact_upload_length(const char *hdr, unsigned long long max)
{
	uint64_t len;

	if (hdr && num_parse_u64(hdr, strlen(hdr), max, &len) != 0)
		return -PB_ETOOBIG;
	return 0;
}

/*
 * A range's number at *@s: plain digits (no sign, no blank, at least one)
 * that fit 64 bits; *@s is moved past them.  Returns 0, or -EINVAL if
 * there is none.
 */
static int artifact_range_number(const char **s, unsigned long long *v)
{
	const char *p = *s;
	unsigned int d;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned int)(*p - '0');
		if (*v > (ULLONG_MAX - d) / 10)
			return -EINVAL;
		*v = *v * 10 + d;
	}
	*s = p;
	return 0;
}

/*
 * One "bytes=" range against @size into @off and @len.  Returns 1 if
 * ranged, 0 if whole (absent, other units, several ranges, empty file),
 * -ERANGE if malformed or unsatisfiable (416).
 */
static int artifact_range(const char *hdr, unsigned long long size,
			  unsigned long long *off, unsigned long long *len)
{
	unsigned long long a, b;

	if (!hdr || strncmp(hdr, "bytes=", 6) != 0 || strchr(hdr, ',') ||
	    size == 0)
		return 0;
	hdr += 6;
	if (*hdr == '-') {	/* -N: the last N bytes */
		hdr++;
		if (artifact_range_number(&hdr, &b) != 0 || *hdr || b == 0)
			return -ERANGE;
		*off = b > size ? 0 : size - b;
		*len = size - *off;
		return 1;
	}
	/* A-B, or A- to the end */
	if (artifact_range_number(&hdr, &a) != 0 || *hdr != '-' || a >= size)
		return -ERANGE;
	hdr++;
	b = size - 1;
	if (*hdr && (artifact_range_number(&hdr, &b) != 0 || *hdr || b < a))
		return -ERANGE;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

void artifact_download(const struct artifact_get_in *in,
		       struct artifact_get_out *out)
{
	int ranged;

	out->off = 0;
	out->len = in->size;
	/* The blob's name is its hash: a perfect strong validator. */
	if (!in->sig && in->if_none_match &&
	    strcmp(in->if_none_match, in->etag) == 0) {
		out->status = 304;
		out->len = 0;
		return;
	}
	ranged = artifact_range(in->range, in->size, &out->off, &out->len);
	if (ranged < 0) {
		out->status = 416;
		out->off = out->len = 0;
		return;
	}
	out->status = ranged ? 206 : 200;
}

/* Declared in artifact_int.h. */
json_t *artifact_time_json(long long t)
{
	time_t tt = (time_t)t;
	char out[32];
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm) ||
	    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(out);
}
