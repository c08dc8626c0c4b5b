/* bmc_client.h: one BMC driven over Redfish: a session (or basic
 * authentication where the service has none), paths discovered from the
 * service root, and the operations podboot bmc offers. */
#ifndef PODBOOT_BMC_CLIENT_H
#define PODBOOT_BMC_CLIENT_H

#include <stddef.h>

#include "bmc_http.h"
#include "bmc_redfish.h"

/* Longest wait for a Redfish task to finish. */
#define BMC_TASK_WAIT_S 300

/** An open connection to one BMC and what was discovered of it. */
struct bmc_client {
	struct bmc_http http;
	json_t *root;			/* the service root */
	char session[BMC_PATH_MAX];	/* to DELETE at the end, or "" */
	char system[BMC_PATH_MAX];	/* the ComputerSystem */
	char manager[BMC_PATH_MAX];	/* its Manager, or "" */
	int open;
};

/**
 * Connect to the BMC at @url with the pinned identity (@pin, libcurl's
 * "sha256//BASE64", or CA file @ca), read the service root, open a
 * session as @user (basic authentication only when the service has no
 * SessionService), and find the ComputerSystem (@system_id, "" for the
 * first) and its Manager.  Takes copies of the credentials.
 *
 * @ret rc		0 (bmc_close() it), or a negative error with
 *			@c->http.err saying what failed
 */
int bmc_open(struct bmc_client *c, const char *node, const char *url,
	     const char *pin, const char *ca, const char *user,
	     const char *password, const char *system_id);

/** Close the session (DELETE), wipe the credentials, free @c; safe twice. */
void bmc_close(struct bmc_client *c);

/** The system's PowerState ("On", "Off", ...) into @out. */
int bmc_power_state(struct bmc_client *c, char *out, size_t size);

/**
 * Power the system on, off or through a cycle with the ResetType the
 * service allows (bmc_rf_reset_type()), following a task to its end.
 * The ResetType sent goes into @sent.
 */
int bmc_power(struct bmc_client *c, enum bmc_power_verb verb, char *sent,
	      size_t size);

/**
 * Insert image @url into the system's virtual CD (VirtualMedia under the
 * System, else under the Manager), ejecting what was there first.  The
 * VirtualMedia's path goes into @where.
 */
int bmc_media_insert(struct bmc_client *c, const char *url, char *where,
		     size_t size);

/** Eject the virtual CD's image; nothing inserted is not an error. */
int bmc_media_eject(struct bmc_client *c, char *where, size_t size);

/**
 * Boot once from @target ("Cd", "Pxe", "UefiHttp" with @uri): a PATCH of
 * the system's Boot, with If-Match when the system has an ETag.  A
 * BootSourceOverrideMode the BMC refuses (400 naming it) is dropped and
 * the PATCH sent again; @note then says so (else "").  A refused target
 * is an error: the override would not be the one asked for.
 *
 * @ret rc		0, -EINVAL (the system does not allow @target), ...
 */
int bmc_boot_once(struct bmc_client *c, const char *target, const char *uri,
		  char *note, size_t note_size);

/**
 * Have the virtual CD at @where boot itself at the next reset, where the
 * service offers it (HPE iLO: PATCH Oem.Hpe.BootOnNextServerReset true,
 * with If-Match when the medium has an ETag): on models where a one-time
 * Cd override boots a physical drive, this boots the virtual medium.
 *
 * @ret rc		0; -ENOTSUP (not offered: nothing sent); or the
 *			PATCH's error
 */
int bmc_media_boot_next(struct bmc_client *c, const char *where);

#endif
