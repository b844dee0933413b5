#include "debug/symbols.h"

#include "console/log.h"
#include "elf/elf_file.h"
#include "mm/direct_map.h"

#include <new>

extern "C" const uint8_t __eh_frame_start[], __eh_frame_end[], __eh_frame_hdr_start[], __eh_frame_hdr_end[];
extern "C" const char __text_start[], __text_end[];

namespace debug {

namespace {

constexpr ktl::StringView module_name = "kernel-debug-info";

class KernelSymbolSource final : public SymbolSource {
public:
    bool covers(uint64_t address) const override {
        return address >= reinterpret_cast<uint64_t>(__text_start) &&
               address < reinterpret_cast<uint64_t>(__text_end);
    }
    ktl::ErrorOr<dwarf::UnwindRow> unwind_row(uint64_t pc) const override {
        if (!m_has_call_frames)
            return ktl::Errno::NoEntry;
        return m_call_frames.row_for(pc);
    }
    ktl::ErrorOr<void> symbolize(uint64_t address, dwarf::Symbolized& out) const override {
        if (!m_debug_info)
            return ktl::Errno::NoEntry;
        return m_debug_info->symbolize(address, out);
    }
    bool symbol_name(uint64_t address, ktl::StringView& name, uint64_t& start) const override {
        if (!m_has_elf)
            return false;
        auto symbol = m_elf.function_containing(address);
        if (symbol.is_error())
            return false;
        name = symbol.value().name;
        start = symbol.value().value;
        return true;
    }

    void load_call_frames() {
        auto call_frames = dwarf::CallFrameInfo::create(
            ktl::ByteReader(__eh_frame_start, __eh_frame_end - __eh_frame_start),
            reinterpret_cast<uint64_t>(__eh_frame_start),
            ktl::ByteReader(__eh_frame_hdr_start, __eh_frame_hdr_end - __eh_frame_hdr_start),
            reinterpret_cast<uint64_t>(__eh_frame_hdr_start));
        if (call_frames.is_error()) {
            klog::warn("debug", "the kernel's .eh_frame is unusable ({}): backtraces will be short",
                       call_frames.error().name());
            return;
        }
        m_call_frames = call_frames.release_value();
        m_has_call_frames = true;
    }

    void load_debug_info(const boot::BootModule& module) {
        ktl::ByteReader bytes(mm::physical_to_virtual<const uint8_t>(module.start),
                              module.end - module.start);
        auto elf = elf::ElfFile::parse(bytes);
        if (elf.is_error()) {
            klog::warn("debug", "module '{}' is not an ELF file ({})", module.name, elf.error().name());
            return;
        }
        m_elf = elf.release_value();
        m_has_elf = true;
        auto sections = dwarf::debug_sections_of(m_elf);
        auto info = sections.is_error() ? ktl::ErrorOr<dwarf::DebugInfo>(sections.error())
                                        : dwarf::DebugInfo::create(sections.value());
        if (info.is_error()) {
            klog::warn("debug", "kernel debug information unusable ({}): symbols only", info.error().name());
            return;
        }
        m_debug_info = new (m_debug_info_storage) dwarf::DebugInfo(info.release_value());
        klog::info("debug", "kernel debug information: {} KiB from module '{}'", bytes.size() / 1024,
                   module.name);
    }

    bool has_debug_info() const { return m_debug_info != nullptr; }

private:
    dwarf::CallFrameInfo m_call_frames;
    // Built in place once the module is found: DebugInfo has no empty state.
    alignas(dwarf::DebugInfo) unsigned char m_debug_info_storage[sizeof(dwarf::DebugInfo)];
    dwarf::DebugInfo* m_debug_info = nullptr;
    elf::ElfFile m_elf;
    bool m_has_call_frames = false, m_has_elf = false;
};

KernelSymbolSource kernel_source;

} // namespace

void initialize_kernel_symbols(const boot::BootInfo& boot_info) {
    kernel_source.load_call_frames();
    for (const boot::BootModule& module : boot_info.modules) {
        if (ktl::StringView(module.name) == module_name) {
            kernel_source.load_debug_info(module);
            return;
        }
    }
    klog::warn("debug", "no '{}' boot module: backtraces show addresses only", module_name);
}

const SymbolSource& kernel_symbols() {
    return kernel_source;
}
bool kernel_debug_info_loaded() {
    return kernel_source.has_debug_info();
}

const SymbolSource* symbol_source_for(uint64_t address) {
    return kernel_source.covers(address) ? &kernel_source : nullptr;
}

} // namespace debug
