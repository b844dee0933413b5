/*
 * First instructions: GRUB enters here in 32-bit protected mode, paging off, eax = Multiboot2 magic and
 * ebx = physical address of the boot information. A PVH loader (QEMU's -kernel, Xen) enters at
 * pvh_start instead, with ebx = physical address of struct hvm_start_info; it joins the same path with
 * eax = the PVH magic, so kernel_entry learns which protocol booted it from its first argument. We check the CPU can run us, build the first page
 * tables (identity for the jump, the direct map of the first 4 GiB, the kernel image in the higher half),
 * turn on long mode with NX and write protection, and jump to the higher half.
 */
#include "arch/x86_64/boot/boot_layout.h"

.section .boot.text, "ax"
.code32
/* PVH: flat 32-bit segments, paging off, no stack; ebx = hvm_start_info. */
.global pvh_start
pvh_start:
    mov $BOOT_PVH_MAGIC, %eax
    /* fall through */

.global boot32_start
boot32_start:
    cli
    cld
    /* Zero .bss first: it holds the page tables, the boot stack and the two values saved below. */
    mov %eax, %edx
    mov $(__bss_start - KERNEL_VIRTUAL_BASE), %edi
    mov $(__bss_end - KERNEL_VIRTUAL_BASE), %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    mov %edx, %eax

    mov $(boot_stack_top - KERNEL_VIRTUAL_BASE), %esp
    mov %eax, (boot_multiboot_magic - KERNEL_VIRTUAL_BASE)
    mov %ebx, (boot_multiboot_info - KERNEL_VIRTUAL_BASE)

    cmp $0x36d76289, %eax
    je .Lknown_loader
    cmp $BOOT_PVH_MAGIC, %eax
    jne .Lnot_multiboot2
.Lknown_loader:

    /* CPUID exists when EFLAGS.ID (bit 21) can be toggled. */
    pushfl
    pop %eax
    mov %eax, %ecx
    xor $(1 << 21), %eax
    push %eax
    popfl
    pushfl
    pop %eax
    push %ecx
    popfl
    cmp %eax, %ecx
    je .Lno_long_mode

    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb .Lno_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz .Lno_long_mode
    test $(1 << 20), %edx
    jz .Lno_nx

    /* PML4: [0] identity (removed once we run in the higher half), [256] direct map, [511] kernel. */
    mov $(boot_pdpt_low - KERNEL_VIRTUAL_BASE + PAGE_PRESENT_WRITABLE), %eax
    mov %eax, (boot_pml4 - KERNEL_VIRTUAL_BASE)
    mov %eax, (boot_pml4 - KERNEL_VIRTUAL_BASE + DIRECT_MAP_PML4_INDEX * 8)
    mov $(boot_pdpt_high - KERNEL_VIRTUAL_BASE + PAGE_PRESENT_WRITABLE), %eax
    mov %eax, (boot_pml4 - KERNEL_VIRTUAL_BASE + 511 * 8)

    /* The low PDPT points at four page directories covering 0..4 GiB. */
    mov $(boot_page_directories - KERNEL_VIRTUAL_BASE + PAGE_PRESENT_WRITABLE), %eax
    mov $(boot_pdpt_low - KERNEL_VIRTUAL_BASE), %edi
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $4096, %eax
    add $8, %edi
    loop 1b

    /* The kernel's PDPT entry 510 (0xffffffff80000000) maps the first GiB through its own directory, so
     * the direct map's entries can later be made no-execute without touching kernel text. */
    mov $(boot_kernel_directory - KERNEL_VIRTUAL_BASE + PAGE_PRESENT_WRITABLE), %eax
    mov %eax, (boot_pdpt_high - KERNEL_VIRTUAL_BASE + 510 * 8)
    mov $(boot_kernel_directory - KERNEL_VIRTUAL_BASE), %edi
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $21, %eax
    or $(PAGE_PRESENT_WRITABLE | PAGE_HUGE), %eax
    mov %eax, (%edi, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jb 3b

    /* 2048 entries of 2 MiB pages: physical address i * 2 MiB. */
    mov $(boot_page_directories - KERNEL_VIRTUAL_BASE), %edi
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $(PAGE_PRESENT_WRITABLE | PAGE_HUGE), %eax
    mov %eax, (%edi, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax
    mov %eax, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4
    mov $(boot_pml4 - KERNEL_VIRTUAL_BASE), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           /* EFER */
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax /* long mode enable, no-execute enable */
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax /* paging, write protect in ring 0, protected mode */
    mov %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $boot64_low

.Lnot_multiboot2:
    mov $message_not_multiboot2, %esi
    jmp boot32_fail
.Lno_long_mode:
    mov $message_no_long_mode, %esi
    jmp boot32_fail
.Lno_nx:
    mov $message_no_nx, %esi
    jmp boot32_fail

/* Prints the NUL-terminated string at esi on COM1 and on the VGA text buffer, then halts for good. */
boot32_fail:
    mov $0x3f9, %dx; xor %al, %al; out %al, %dx      /* no UART interrupts */
    mov $0x3fb, %dx; mov $0x80, %al; out %al, %dx    /* divisor latch */
    mov $0x3f8, %dx; mov $1, %al; out %al, %dx       /* 115200 baud */
    mov $0x3f9, %dx; xor %al, %al; out %al, %dx
    mov $0x3fb, %dx; mov $0x03, %al; out %al, %dx    /* 8N1 */
    mov $0x3fa, %dx; mov $0xc7, %al; out %al, %dx    /* FIFO */
    mov $0xb8000, %edi
.Lnext_character:
    lodsb
    test %al, %al
    jz .Lhalt
    mov %al, %bl
    mov $0x3fd, %dx
    mov $100000, %ecx
.Lwait_transmitter:
    in %dx, %al
    test $0x20, %al
    jnz .Ltransmit
    loop .Lwait_transmitter
.Ltransmit:
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    cmp $'\n', %bl
    je .Lnext_character
    cmp $'\r', %bl
    je .Lnext_character
    mov $0x4f, %ah                                   /* white on red */
    mov %bl, %al
    mov %ax, (%edi)
    add $2, %edi
    jmp .Lnext_character
.Lhalt:
    cli
    hlt
    jmp .Lhalt

.code64
boot64_low:
    movabs $boot64_higher_half, %rax
    jmp *%rax

.section .boot.rodata, "a"
.balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff /* data, ring 0 */
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

message_not_multiboot2:
    .asciz "blog_os: not started by a Multiboot2 loader (GRUB 2) nor through PVH; cannot continue.\r\n"
message_no_long_mode:
    .asciz "blog_os: this CPU has no 64-bit long mode; blog_os needs an x86-64 CPU.\r\n"
message_no_nx:
    .asciz "blog_os: this CPU has no NX (no-execute) support; blog_os needs it.\r\n"

/* XEN_ELFNOTE_PHYS32_ENTRY: QEMU's -kernel and Xen find the PVH entry here (a PT_NOTE segment). The
 * value is 8 bytes because QEMU 7.2 reads a host size_t from it; later versions read 32 bits. */
.section .note.Xen, "a", @note
.balign 4
    .long 2f - 1f           /* name size */
    .long 4f - 3f           /* descriptor size */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
1:  .asciz "Xen"
2:  .balign 4
3:  .quad pvh_start
4:  .balign 4

.section .text
.code64
boot64_higher_half:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    mov boot_multiboot_magic(%rip), %edi
    mov boot_multiboot_info(%rip), %esi
    call kernel_entry
1:  cli
    hlt
    jmp 1b

.section .bss
.balign 4096
.global boot_pml4
boot_pml4:
    .skip 4096
.global boot_pdpt_low
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_page_directories:
    .skip 4096 * 4
boot_kernel_directory:
    .skip 4096
.global boot_stack_bottom
boot_stack_bottom:
    .skip BOOT_STACK_SIZE
.global boot_stack_top
boot_stack_top:
boot_multiboot_magic:
    .long 0
boot_multiboot_info:
    .long 0
