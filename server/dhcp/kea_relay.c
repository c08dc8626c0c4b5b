/* kea_relay.c: the option 82 classes of pods behind a shared relay
 * address and their subnets' guards (kea_relay.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "kea_relay.h"

/* Whether pod @p's provisioning network names relay agent information. */
static int kea_relay_used(const struct config_pod *p)
{
	return !strchr(p->prov.cidr, ':') &&
	       (p->prov.circuit_id[0] || p->prov.remote_id[0]);
}

/* The name of pod @p's option 82 class into @out: 0 or -PB_ETOOBIG. */
static int kea_relay_class_name(const struct config_pod *p, char *out,
				size_t size)
{
	int n = snprintf(out, size, "%s:%s", KEA_CLASS_RELAY, p->name);

	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

/*
 * Kea's test of pod @p's option 82 into @out: circuit-id (sub-option 1)
 * and/or remote-id (sub-option 2), byte for byte as configured (their
 * grammar keeps quotes out).  0 or -PB_ETOOBIG.
 */
static int kea_relay_test(const struct config_pod *p, char *out, size_t size)
{
	const char *c = p->prov.circuit_id, *r = p->prov.remote_id;
	int n;

	if (c[0] && r[0])
		n = snprintf(out, size, "relay4[1].hex == '%s' and "
			     "relay4[2].hex == '%s'", c, r);
	else if (c[0])
		n = snprintf(out, size, "relay4[1].hex == '%s'", c);
	else
		n = snprintf(out, size, "relay4[2].hex == '%s'", r);
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

int kea_relay_classes(const struct config *cfg, json_t *classes)
{
	char name[128], test[256];
	size_t i;
	int rc;

	for (i = 0; i < cfg->n_pods; i++) {
		if (!kea_relay_used(&cfg->pods[i]))
			continue;
		if ((rc = kea_relay_class_name(&cfg->pods[i], name,
					       sizeof(name))) != 0 ||
		    (rc = kea_relay_test(&cfg->pods[i], test,
					 sizeof(test))) != 0)
			return rc;
		if (json_array_append_new(classes, json_pack(
				"{s:s,s:s}", "name", name, "test", test)) != 0)
			return -ENOMEM;
	}
	return 0;
}

int kea_relay_guard(const struct config_pod *p, json_t *subnet)
{
	char name[128];
	int rc;

	if (!kea_relay_used(p))
		return 0;
	if ((rc = kea_relay_class_name(p, name, sizeof(name))) != 0)
		return rc;
	return json_object_set_new(subnet, "client-class",
				   json_string(name)) ? -ENOMEM : 0;
}
