/* authenticode_int.h: what the Authenticode writer (authenticode.c) and
 * checker (authenticode_verify.c) share: object identifiers and tags. */
#ifndef PODBOOT_AUTHENTICODE_INT_H
#define PODBOOT_AUTHENTICODE_INT_H

#include "cms_int.h"

/* Microsoft's arcs (1.3.6.1.4.1.311.2.1.x) and PKCS #9 attributes. */
#define OID_SPC "\x2b\x06\x01\x04\x01\x82\x37\x02\x01"
#define OID_SPC_INDIRECT_DATA OID_SPC "\x04"
#define OID_SPC_SP_OPUS_INFO OID_SPC "\x0c"
#define OID_SPC_PE_IMAGE_DATA OID_SPC "\x0f"
#define OID_PKCS9 "\x2a\x86\x48\x86\xf7\x0d\x01\x09"
#define OID_CONTENT_TYPE OID_PKCS9 "\x03"
#define OID_MESSAGE_DIGEST OID_PKCS9 "\x04"

/* signedAttrs: [0] IMPLICIT in the SignerInfo, a SET when signed. */
#define TAG_ATTRS TAG_CTX0

#endif
