/* boot_fw.c: GET and HEAD /boot/fw/POD/FILE: the first-stage firmware of
 * pod POD (its own build, else the shared one) as serve checked it
 * against its build's SHA256SUMS, with its digest as ETag.  Served on the
 * plain listener too: UEFI HTTP Boot fetches ipxe.efi over plain HTTP. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "error.h"
#include "fwimage.h"
#include "http.h"

/* The set of firmware @srv serves, referenced; NULL: none checked. */
static struct fwimages *boot_fw_get(struct server *srv)
{
	struct fwimages *set;

	pthread_mutex_lock(&srv->fw_lock);
	set = fwimages_get(srv->fw);
	pthread_mutex_unlock(&srv->fw_lock);
	return set;
}

/* Queue file @i of @img, or 304 when the client holds it (If-None-Match). */
static void boot_fw_send(struct http_req *r, const struct fwimage *img,
			 size_t i)
{
	const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	struct MHD_Response *resp;
	char etag[72];
	int fresh;

	snprintf(etag, sizeof(etag), "\"%s\"", img->hex[i]);
	fresh = inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0);
	if (fresh)
		resp = http_response_data("", 0, NULL);
	else
		resp = http_response_data(img->data[i], img->len[i],
					  "application/octet-stream");
	if (resp) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-cache");
	}
	http_queue(r, fresh ? 304 : 200, resp);
}

/* GET /boot/fw/POD/FILE: 0, or the code of the refusal queued (404 for
 * a pod or file podboot does not serve). */
static int boot_fw_get_file(struct http_req *r)
{
	char pod[CONFIG_NAME_MAX];
	const struct fwimage *img;
	struct fwimages *set;
	size_t i;
	int rc;

	if (fwimage_parse(r->rest, pod, &i) != 0)
		return http_refuse(r, 404, "no such firmware file");
	set = boot_fw_get(r->srv);
	img = fwimages_find(set, r->gen->cfg, pod);
	if (!img) {
		rc = http_refuse(r, 404, "no checked firmware for pod %s",
				 pod);
	} else {
		boot_fw_send(r, img, i);
		rc = 0;
	}
	fwimages_put(set);
	return rc;
}

const struct http_route routes_boot_fw[] = {
	{ "GET", FWIMAGE_PREFIX, 0, boot_fw_get_file, NULL, NULL, NULL, 1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
