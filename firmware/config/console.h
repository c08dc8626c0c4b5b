/*
 * podboot: iPXE console switches.  scripts/build-firmware installs this file
 * as config/local/console.h of its private copy of the iPXE source.
 *
 * BIOS builds also write to the serial port (COM1, 115200 8N1 unless a
 * config/local/serial.h in your iPXE checkout says otherwise), so that
 * stage1's messages reach a BMC's serial-over-LAN console and a QEMU log.
 * UEFI builds print through the firmware's console, which a server's
 * firmware already redirects to serial when so configured; driving the
 * UART from iPXE as well would print every line twice.
 */

#if defined ( PLATFORM_pcbios )
#define CONSOLE_SERIAL
#endif
