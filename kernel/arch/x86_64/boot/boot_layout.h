/* Constants shared by the boot assembly and C++: where things live before the memory manager exists. */
#pragma once

#define KERNEL_VIRTUAL_BASE 0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
#define DIRECT_MAP_PML4_INDEX 256
#define BOOT_STACK_SIZE (64 * 1024)
/* What pvh_start puts in eax for kernel_entry: the hvm_start_info magic, distinct from Multiboot2's. */
#define BOOT_PVH_MAGIC 0x336ec578
#define PAGE_PRESENT_WRITABLE 0x3
#define PAGE_HUGE 0x80
