/* kea_leases.c: Kea's leases of machines podboot.conf does not know,
 * recorded as discovered: the operator sees a machine as soon as its
 * firmware has an address, before it ever fetches stage2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "kea_ctl.h"
#include "kea_leases.h"

/* Kea's lease state of an active lease (not declined, not reclaimed). */
#define KEA_LEASE_DEFAULT 0

/*
 * Record the machine with normalised @mac, leased @ip in Kea subnet
 * @subnet, as discovered; count the outcome in @c.  0 or a store error.
 */
static int kea_lease_record(const struct config *cfg, struct store *st,
			    const char *mac, const char *ip,
			    long long subnet, struct kea_lease_counts *c)
{
	struct store_node sn;
	int rc;

	memset(&sn, 0, sizeof(sn));
	snprintf(sn.id, sizeof(sn.id), "mac-%c%c%c%c%c%c%c%c%c%c%c%c",
		 mac[0], mac[1], mac[3], mac[4], mac[6], mac[7], mac[9],
		 mac[10], mac[12], mac[13], mac[15], mac[16]);
	memcpy(sn.mac, mac, sizeof(sn.mac));
	sn.state = NODE_DISCOVERED;
	rc = store_node_discover(st, &sn, cfg->max_discovered);
	if (rc == -ENOSPC) {
		c->skipped++;
		return 0;
	}
	if (rc == 1)
		c->before++;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	c->recorded++;
	store_event_add(st, "discover", sn.id, "from its DHCP lease %s "
			"(Kea subnet %lld)", ip, subnet);
	return 0;
}

/*
 * One lease object of Kea's answer: counted, and its machine recorded
 * when unknown and @record.  0 or a store error.
 */
static int kea_lease_one(const struct config *cfg, struct store *st,
			 json_t *lease, int record,
			 struct kea_lease_counts *c)
{
	const char *hw = json_string_value(json_object_get(lease,
							   "hw-address"));
	const char *ip = json_string_value(json_object_get(lease,
							   "ip-address"));
	json_t *state = json_object_get(lease, "state");
	char mac[18];

	if (state && json_integer_value(state) != KEA_LEASE_DEFAULT)
		return 0;
	c->leases++;
	/* Kea's answer is data from the network: checked like any MAC */
	if (!hw || !ip || config_mac_normalise(hw, mac) != 0 ||
	    strcmp(mac, "00:00:00:00:00:00") == 0) {
		c->bad++;
		return 0;
	}
	if (config_node_by_mac(cfg, mac)) {
		c->known++;
		return 0;
	}
	if (!record) {
		c->skipped++;
		return 0;
	}
	return kea_lease_record(cfg, st, mac, ip,
				json_integer_value(json_object_get(
					lease, "subnet-id")), c);
}

int kea_leases_discover(const struct config *cfg, struct store *st,
			const char *socket, struct kea_lease_counts *c,
			char *err, size_t err_size)
{
	json_t *answer = NULL, *lease;
	int result, rc;
	size_t i;

	memset(c, 0, sizeof(*c));
	rc = kea_ctl_call(socket, "lease4-get-all", NULL, &result, &answer,
			  err, err_size);
	if (rc != 0 || result == KEA_RESULT_EMPTY)
		goto out;
	if (result == KEA_RESULT_UNSUPPORTED) {
		snprintf(err, err_size, "Kea has no lease commands: load its "
			 "libdhcp_lease_cmds.so hook (podboot dhcp render "
			 "--lease-cmds PATH)");
		rc = -PB_ECONFIG;
		goto out;
	}
	if (result != KEA_RESULT_OK) {
		rc = -PB_ECONFIG;
		goto out;
	}
	json_array_foreach(json_object_get(answer, "leases"), i, lease)
		if ((rc = kea_lease_one(cfg, st, lease, cfg->unknown ==
					CONFIG_UNKNOWN_DISCOVER, c)) != 0)
			break;
out:
	json_decref(answer);
	return rc;
}
