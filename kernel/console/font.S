/* The console font, decompressed at build time from Debian's console-setup-linux. */
.section .rodata
.balign 16
.global console_font_start
console_font_start:
    .incbin BLOG_OS_CONSOLE_FONT
.global console_font_end
console_font_end:
.byte 0
