/* Multiboot2 header: GRUB finds it in the first 32 KiB of the file and loads the kernel for us. */
.set MULTIBOOT2_MAGIC, 0xe85250d6
.set ARCHITECTURE_I386, 0

.section .multiboot2_header, "a"
.balign 8
multiboot2_header_start:
    .long MULTIBOOT2_MAGIC
    .long ARCHITECTURE_I386
    .long multiboot2_header_end - multiboot2_header_start
    .long 0x100000000 - (MULTIBOOT2_MAGIC + ARCHITECTURE_I386 + (multiboot2_header_end - multiboot2_header_start))

    /* Framebuffer request: 1024x768x32, optional so a text-only loader still boots us (serial only). */
    .balign 8
    .short 5
    .short 1
    .long 20
    .long 1024
    .long 768
    .long 32

    /* Page-align modules: the initrd will be mapped page by page. */
    .balign 8
    .short 6
    .short 1
    .long 8

    .balign 8
    .short 0
    .short 0
    .long 8
multiboot2_header_end:
