/* fwimage.c: the checked firmware files podboot serves, and the paths
 * and URLs they are served at. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fwimage.h"

struct fwimages *fwimages_new(void)
{
	struct fwimages *set = calloc(1, sizeof(*set));

	if (set)
		atomic_init(&set->refs, 1);
	return set;
}

int fwimages_add(struct fwimages *set, const char *pod, struct fwbuild *fw,
		 char *err, size_t err_size)
{
	struct fwimage *img, *grown;
	size_t i;

	for (i = 0; i < FWBUILD_N; i++) {
		if (!fw->data[i]) {
			snprintf(err, err_size, "%s: not checked", fw->dir);
			return -EINVAL;
		}
	}
	grown = realloc(set->img, (set->n + 1) * sizeof(*grown));
	if (!grown) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	set->img = grown;
	img = &set->img[set->n++];
	memset(img, 0, sizeof(*img));
	snprintf(img->pod, sizeof(img->pod), "%s", pod ? pod : "");
	for (i = 0; i < FWBUILD_N; i++) {
		memcpy(img->hex[i], fw->hex[i], sizeof(img->hex[i]));
		img->data[i] = fw->data[i];
		img->len[i] = fw->len[i];
		fw->data[i] = NULL;
		fw->len[i] = 0;
	}
	return 0;
}

struct fwimages *fwimages_get(struct fwimages *set)
{
	if (set)
		atomic_fetch_add(&set->refs, 1);
	return set;
}

void fwimages_put(struct fwimages *set)
{
	size_t i, k;

	if (!set || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	for (i = 0; i < set->n; i++)
		for (k = 0; k < FWBUILD_N; k++)
			free(set->img[i].data[k]);
	free(set->img);
	free(set);
}

/* The image of pod @pod ("": the shared build) in @set, or NULL. */
static const struct fwimage *fwimages_of(const struct fwimages *set,
					 const char *pod)
{
	size_t i;

	for (i = 0; set && i < set->n; i++)
		if (strcmp(set->img[i].pod, pod) == 0)
			return &set->img[i];
	return NULL;
}

const struct fwimage *fwimages_find(const struct fwimages *set,
				    const struct config *cfg,
				    const char *pod)
{
	const struct fwimage *img;

	if (!pod[0])
		return NULL;
	if ((img = fwimages_of(set, pod)) != NULL)
		return img;
	if (!config_pod_by_name(cfg, pod))
		return NULL;
	return fwimages_of(set, "");
}

int fwimage_parse(const char *rest, char pod[CONFIG_NAME_MAX], size_t *file)
{
	const char *slash = strchr(rest, '/');
	size_t len, i;

	if (!slash || (len = (size_t)(slash - rest)) >= CONFIG_NAME_MAX)
		return -PB_EBAD_NAME;
	memcpy(pod, rest, len);
	pod[len] = '\0';
	if (config_name_valid(pod) != 0)
		return -PB_EBAD_NAME;
	for (i = 0; i < FWBUILD_N; i++) {
		if (strcmp(slash + 1, fwbuild_file(i)) == 0) {
			*file = i;
			return 0;
		}
	}
	return -PB_EBAD_NAME;
}

int fwimage_url(char *out, size_t size, const char *base, const char *pod,
		const char *file)
{
	size_t blen = strlen(base);
	int n;

	while (blen && base[blen - 1] == '/')
		blen--;
	n = snprintf(out, size, "%.*s" FWIMAGE_PREFIX "%s/%s", (int)blen,
		     base, pod, file);
	if (n < 0 || (size_t)n >= size)
		return -PB_ETOOBIG;
	return 0;
}
