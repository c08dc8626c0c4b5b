/* ui_assets.S: the fleet web console's files (ui/), compiled into podboot
 * with the assembler's .incbin: the bytes as they are, with no generator
 * and no tool beyond the compiler.  The Makefile names ui/ as a
 * prerequisite of this object, so a changed asset is built in again. */

/* ui_asset NAME, FILE: ui_NAME .. ui_NAME_end hold FILE's bytes. */
	.macro ui_asset name, file
	.section .rodata.podboot_ui, "a"
	.balign 16
	.globl ui_\name
	.type ui_\name, @object
ui_\name:
	.incbin "\file"
	.globl ui_\name\()_end
ui_\name\()_end:
	.byte 0
	.size ui_\name, . - ui_\name
	.endm

	ui_asset index_html, "ui/index.html"
	ui_asset app_js, "ui/app.js"
	ui_asset app_css, "ui/app.css"
	ui_asset favicon_svg, "ui/favicon.svg"

/* No executable stack for the objects that link this. */
	.section .note.GNU-stack, "", @progbits
