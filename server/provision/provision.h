/* provision.h: what the provisioning handlers share: how a request that
 * needed a signature is answered when none could be made. */
#ifndef PODBOOT_PROVISION_H
#define PODBOOT_PROVISION_H

/**
 * The status of the reply to a request whose signature failed with @rc
 * (signer_sign_digest()'s code): 503, with Retry-After, when the signer
 * process is gone (-EPIPE: podboot serve exits soon, and a client retries
 * against the restarted or standby server); 500 for any other failure.
 *
 * @ret status		503 or 500
 */
unsigned int provision_sign_status(int rc);

#endif
