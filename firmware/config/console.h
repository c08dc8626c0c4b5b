/*
 * podboot: iPXE console switches.  scripts/build-firmware installs this file
 * as config/local/console.h of its private copy of the iPXE source.
 *
 * iPXE prints through the firmware's console only (BIOS text mode, UEFI
 * console output).  A server's firmware with serial console redirection
 * (serial-over-LAN on a BMC; SeaBIOS under "qemu -machine graphics=off")
 * already copies that console to the serial port: iPXE driving the UART
 * as well would print every character twice, interleaved, and make both
 * the operator's console and any log unreadable.
 *
 * Enable iPXE's own serial console (uncomment below) only for BIOS machines
 * whose firmware does NOT redirect its console to serial and whose serial
 * port is still to carry stage1's messages (COM1, 115200 8N1 unless a
 * config/local/serial.h says otherwise).  docs/firmware.md, "Console".
 */

/* #define CONSOLE_SERIAL */
