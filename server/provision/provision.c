/* provision.c: decisions the provisioning handlers share (pure). */
#include <errno.h>

#include "provision.h"

unsigned int provision_sign_status(int rc)
{
	return rc == -EPIPE ? 503 : 500;
}
