/*
 * podboot: iPXE crypto switches.  scripts/build-firmware installs this file
 * as config/local/crypto.h of its private copy of the iPXE source.
 *
 * No cross-signing certificate is ever fetched from iPXE's public service
 * (upstream's default, http://ca.ipxe.org/auto): with CROSSCERT empty an
 * untrusted chain simply fails, and stage1 points the "crosscert" setting
 * at the boot server before anything is fetched.  No OCSP either: podboot's
 * certificates name no responder, and nothing may leave the provisioning
 * network.  See docs/firmware.md, "What leaves the network".
 */

#undef CROSSCERT
#define CROSSCERT ""

#undef OCSP_CHECK
