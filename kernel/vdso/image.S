/* The vDSO image (kernel/vdso/image/, built by cmake/vdso.cmake), page aligned and padded to whole pages
   in .rodata: its frames are mapped into user space as they are, and show nothing else. */
.section .rodata
.balign 4096
.global vdso_image_start
vdso_image_start:
    .incbin BLOG_OS_VDSO_IMAGE
.global vdso_image_end
vdso_image_end:
.balign 4096
