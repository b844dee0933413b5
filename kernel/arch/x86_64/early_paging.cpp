// The boot page tables (boot32.S) after the switch to the higher half: identity map removed, direct map
// completed. The memory manager replaces these tables with its own later; until then, page-table pages
// for memory above 4 GiB come from a small static pool.
#include "arch/x86_64/registers.h"
#include "console/log.h"
#include "mm/direct_map.h"

extern "C" uint64_t boot_pml4[512];
extern "C" uint64_t boot_pdpt_low[512];

namespace mm {

namespace {

constexpr uint64_t page_present = 1, page_writable = 2, page_huge = 1ull << 7, page_global = 1ull << 8,
                   page_no_execute = 1ull << 63;
constexpr uint64_t huge_page_size = 2ull << 20, gigabyte = 1ull << 30;
constexpr int boot_mapped_gigabytes = 4;
// 32 directories cover physical memory up to 36 GiB; the memory manager takes over beyond that.
constexpr int pool_directories = 32;

alignas(4096) uint64_t extra_directories[pool_directories][512];
uint64_t mapped_bytes = boot_mapped_gigabytes * gigabyte;

uint64_t kernel_virtual_to_physical(const void* pointer) {
    return reinterpret_cast<uint64_t>(pointer) - kernel_virtual_base;
}

} // namespace

uint64_t direct_map_size() {
    return mapped_bytes;
}

void finish_early_paging(uint64_t highest_physical_address) {
    boot_pml4[0] = 0;

    // The boot directories cover 0..4 GiB with 2 MiB pages; mark them data-only and global.
    for (int gib = 0; gib < boot_mapped_gigabytes; ++gib) {
        auto* directory = physical_to_virtual<uint64_t>(boot_pdpt_low[gib] & 0x000ffffffffff000);
        for (int i = 0; i < 512; ++i)
            directory[i] |= page_no_execute | page_global;
    }

    uint64_t wanted_gigabytes = (highest_physical_address + gigabyte - 1) / gigabyte;
    int next_directory = 0;
    for (uint64_t gib = boot_mapped_gigabytes; gib < wanted_gigabytes && gib < 512; ++gib) {
        if (next_directory == pool_directories) {
            klog::warn("mm", "direct map stops at {} GiB; memory above it is not reachable yet", gib);
            break;
        }
        uint64_t* directory = extra_directories[next_directory++];
        for (uint64_t i = 0; i < 512; ++i)
            directory[i] = (gib * gigabyte + i * huge_page_size) | page_present | page_writable | page_huge |
                           page_global | page_no_execute;
        boot_pdpt_low[gib] = kernel_virtual_to_physical(directory) | page_present | page_writable;
        mapped_bytes = (gib + 1) * gigabyte;
    }

    // Global pages survive CR3 reloads; turn PGE on now that the kernel's mappings are marked.
    x86_64::write_cr4(x86_64::read_cr4() | (1 << 7));
    x86_64::write_cr3(x86_64::read_cr3());
}

} // namespace mm
