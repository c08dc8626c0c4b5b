/* podset.c: a pod's artifact set: what its machines install from (the
 * kernels and initrds of its profiles) and its configured intent. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "podset.h"

/* Add @name unless it is there; -PB_ETOOBIG when full. */
static int podset_add(struct podset *s, const char *name)
{
	size_t i;

	if (!name[0])
		return 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return 0;
	if (s->n == PODSET_MAX)
		return -PB_ETOOBIG;
	strncpy(s->names[s->n], name, sizeof(s->names[0]) - 1);
	s->names[s->n++][sizeof(s->names[0]) - 1] = '\0';
	return 0;
}

/* The kernel and initrd of @p (may be NULL). */
static int podset_add_profile(struct podset *s,
			      const struct config_profile *p)
{
	int rc;

	if (!p)
		return 0;
	rc = podset_add(s, p->kernel);
	return rc ? rc : podset_add(s, p->initrd);
}

/* The configured profile named @name, or NULL. */
static const struct config_profile *podset_profile(const struct config *cfg,
						   const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

/* qsort's order of names. */
static int podset_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int podset_names(const struct config *cfg, const struct config_pod *pod,
		 struct podset *out)
{
	size_t i;
	int rc;

	out->n = 0;
	rc = podset_add_profile(out, podset_profile(cfg, pod->profile));
	for (i = 0; rc == 0 && i < cfg->n_nodes; i++)
		if (cfg->nodes[i].pod == pod ||
		    (cfg->nodes[i].pod &&
		     strcmp(cfg->nodes[i].pod->name, pod->name) == 0))
			rc = podset_add_profile(out, cfg->nodes[i].profile);
	for (i = 0; rc == 0 && i < pod->n_artifacts; i++)
		rc = podset_add(out, pod->artifacts[i]);
	if (rc == 0)
		qsort(out->names, out->n, sizeof(out->names[0]), podset_cmp);
	return rc;
}
