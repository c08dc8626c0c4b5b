/* artifact_download.c: GET and HEAD of stored artifacts and their
 * signatures, with ETag and Range (artifact_ref.c decides), served in
 * large blocks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "artifact_int.h"
#include "error.h"
#include "log.h"
#include "transfer.h"

/* A file served in large blocks: libmicrohttpd's own file responses read
 * 4 KiB at a time over TLS, which costs a syscall and a record each. */
#define ARTIFACT_BLOCK (256 * 1024)
/* Bodies from this size on go out corked (see http_cork). */
#define ARTIFACT_CORK_MIN (1024 * 1024)

/* The open file of one response, and the offset of its first byte. */
struct artifact_reader {
	int fd;
	unsigned long long off;
};

/* libmicrohttpd's reader: up to @max bytes at @pos of the span. */
static ssize_t artifact_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct artifact_reader *rd = cls;
	ssize_t n;

	do
		n = pread(rd->fd, buf, max, (off_t)(rd->off + pos));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

/* libmicrohttpd's release of a reader: closes its file, frees it. */
static void artifact_reader_free(void *cls)
{
	struct artifact_reader *rd = cls;

	close(rd->fd);
	free(rd);
}

/* A response of @len bytes of @fd from @off; takes ownership of @fd.
 * NULL when out of memory (@fd closed). */
static struct MHD_Response *artifact_response(int fd, unsigned long long off,
					      unsigned long long len)
{
	struct artifact_reader *rd = malloc(sizeof(*rd));
	struct MHD_Response *resp;

	if (!rd) {
		close(fd);
		return NULL;
	}
	rd->fd = fd;
	rd->off = off;
	resp = MHD_create_response_from_callback(len, ARTIFACT_BLOCK,
						 artifact_read, rd,
						 artifact_reader_free);
	if (!resp)
		artifact_reader_free(rd);
	return resp;
}

/* Queue a bodiless 304 or 416: the ETag of a 304, the size of a 416. */
static void artifact_reply_empty(struct http_req *r, unsigned int status,
				 const char *etag, unsigned long long size)
{
	struct MHD_Response *resp = http_response_data("", 0, NULL);
	char range[96];

	snprintf(range, sizeof(range), "bytes */%llu", size);
	if (resp && status == 304)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	else if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE,
					range);
	http_queue(r, status, resp);
}

/* Open the file @r asks for (artifact @a, its signature with @sig) into
 * *@fd and its size into *@size; refuses (500) a missing one. */
static int artifact_open(struct http_req *r, const struct store_artifact *a,
			 int sig, int *fd, unsigned long long *size)
{
	char path[PATH_MAX];
	struct stat st;

	if (artifact_blob_path(r->srv->data_dir, a->sha256, sig, path,
			       sizeof(path)) != 0 ||
	    (*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_error("artifact %s: %s: %s", a->name, path,
			  strerror(errno));
		return http_refuse(r, 500, "artifact %s is missing its file",
				   a->name);
	}
	if (fstat(*fd, &st) != 0) {
		close(*fd);
		return http_refuse(r, 500, "artifact %s unreadable", a->name);
	}
	*size = (unsigned long long)st.st_size;
	return 0;
}

/* Queue the 200 or 206 body @d of @fd (ownership taken), for @a. */
static int artifact_send(struct http_req *r, const struct store_artifact *a,
			 const char *sha, int sig, const char *etag, int fd,
			 unsigned long long size,
			 const struct artifact_get_out *d)
{
	struct MHD_Response *resp = artifact_response(fd, d->off, d->len);
	char range[96];

	if (!resp)
		return http_refuse(r, 503, "out of memory");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				sig ? "application/pkcs7-signature" :
				      "application/octet-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, "X-Podboot-Sha256", a->sha256);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				sha[0] ? "public, max-age=31536000, immutable" :
					 "no-cache");
	if (d->status == 206) {
		snprintf(range, sizeof(range), "bytes %llu-%llu/%llu", d->off,
			 d->off + d->len - 1, size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE,
					range);
	}
	/* HEAD sends no body: nothing to gather. */
	if (d->len >= ARTIFACT_CORK_MIN && strcmp(r->method, "GET") == 0)
		http_cork(r);
	http_queue(r, d->status, resp);
	return 0;
}

int artifact_get(struct http_req *r)
{
	char name[ARTIFACT_NAME_MAX + 1], sha[65], etag[80];
	struct artifact_get_out d;
	struct artifact_get_in in;
	struct store_artifact a;
	int sig, fd = -1, rc;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0)
		return http_status_rc(400);
	if (artifact_parse_ref(r->rest, name, sha, &sig) != 0)
		return http_refuse(r, 400, "not a valid artifact reference");
	if (r->plain && !artifact_plain_allowed(r->gen->cfg, name))
		return http_refuse(r, 403, "%s is not served over plain HTTP",
				   name);
	if (store_artifact_get(r->srv->store, name, sha[0] ? sha : NULL,
			       &a) != 0)
		return http_refuse(r, 404, "no artifact %s%s%s", name,
				   sha[0] ? "@sha256:" : "", sha);
	/* NAME@sha256:V of a version's UEFI variant V: that blob. */
	if (sha[0] && strcmp(a.sha256, sha) != 0 &&
	    strcmp(a.uefi_sha256, sha) == 0)
		memcpy(a.sha256, a.uefi_sha256, sizeof(a.sha256));
	memset(&in, 0, sizeof(in));
	if ((rc = artifact_open(r, &a, sig, &fd, &in.size)) != 0)
		return rc;
	snprintf(etag, sizeof(etag), "\"%s%s\"", a.sha256, sig ? ".sig" : "");
	in.etag = etag;
	in.if_none_match = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	in.range = http_header(r, MHD_HTTP_HEADER_RANGE);
	in.sig = sig;
	artifact_download(&in, &d);
	if (d.status == 304 || d.status == 416) {
		close(fd);
		artifact_reply_empty(r, d.status, etag, in.size);
		return 0;
	}
	/* A body that outlasts the socket buffers is a transfer: it takes
	 * a place outside the reserve, and keeps limits.min_rate. */
	if (d.len >= TRANSFER_MIN_BODY && strcmp(r->method, "GET") == 0 &&
	    http_transfer_begin(r, TRANSFER_DOWNLOAD | TRANSFER_RESERVED) !=
		    0) {
		close(fd);
		return http_status_rc(503);
	}
	return artifact_send(r, &a, sha, sig, etag, fd, in.size, &d);
}
