/* config_relay.c: the relay agent information (DHCP option 82) a pod
 * router adds, as a provisioning network names it (circuit_id,
 * remote_id). */
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "error.h"

/*
 * Whether @id can name a circuit-id or remote-id: 1 to 63 printable
 * ASCII characters, none of them a quote or a backslash (the text goes
 * into a Kea expression between single quotes).  0, or -PB_EBAD_NAME.
 */
int config_relay_id_valid(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > 63)
		return -PB_EBAD_NAME;
	for (i = 0; i < n; i++)
		if (id[i] < 0x20 || id[i] > 0x7e || id[i] == '\'' ||
		    id[i] == '"' || id[i] == '\\')
			return -PB_EBAD_NAME;
	return 0;
}

/*
 * A circuit-id or remote-id (config_relay_id_valid()) into @field,
 * copied as the router sends it.  0, or -PB_ECONFIG with the message
 * written.
 */
int config_key_relay_id(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_relay_id_valid,
				  "an option 82 id as the router sends it "
				  "(expected 1 to 63 printable characters, "
				  "no quote or backslash)");
}
