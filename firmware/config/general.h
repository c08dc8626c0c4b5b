/*
 * podboot: iPXE feature switches.  scripts/build-firmware installs this file
 * as config/local/general.h of its private copy of the iPXE source (iPXE
 * includes that file last from config/general.h, so it overrides the
 * upstream defaults).  See docs/firmware.md.
 */

/* stage1 fetches stage2 over HTTPS only (off by default in BIOS builds). */
#define DOWNLOAD_PROTO_HTTPS

/* imgtrust and imgverify: the signature chain (off by default everywhere). */
#define IMAGE_TRUST_CMD

/* Provisioning VLANs: vcreate / vdestroy. */
#define VLAN_CMD

/* Set the clock before certificates are checked against it. */
#define NTP_CMD
#define TIME_CMD

/* Inspect the certificate store and image digests from the shell. */
#define CERT_CMD
#define DIGEST_CMD

/* Form parameters (params / param) for stage2 scripts that POST. */
#define PARAM_CMD

/* Field diagnostics from the iPXE shell (Ctrl-B). */
#define NSLOOKUP_CMD
#define PING_CMD
#define REBOOT_CMD
#define POWEROFF_CMD
