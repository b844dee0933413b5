// Test helper: builds Multiboot2 information blocks tag by tag, with GRUB's padding and layouts,
// so tests can describe a boot the way a loader would and then break it on purpose.
#pragma once

#include "boot/multiboot2.h"

#include <cstdint>
#include <string>
#include <vector>

namespace boot::testing {

// Little-endian byte sink for tag payloads.
class Bytes {
public:
    Bytes& u8(uint8_t value) {
        m_bytes.push_back(value);
        return *this;
    }
    Bytes& u16(uint16_t value) { return put(value, 2); }
    Bytes& u32(uint32_t value) { return put(value, 4); }
    Bytes& u64(uint64_t value) { return put(value, 8); }
    Bytes& text(const std::string& value, bool terminate = true) {
        m_bytes.insert(m_bytes.end(), value.begin(), value.end());
        if (terminate)
            m_bytes.push_back(0);
        return *this;
    }
    Bytes& raw(const std::vector<uint8_t>& value) {
        m_bytes.insert(m_bytes.end(), value.begin(), value.end());
        return *this;
    }
    const std::vector<uint8_t>& bytes() const { return m_bytes; }
    std::vector<uint8_t>& bytes() { return m_bytes; }

private:
    Bytes& put(uint64_t value, int count) {
        for (int i = 0; i < count; ++i)
            m_bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
        return *this;
    }
    std::vector<uint8_t> m_bytes;
};

struct RawEntry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

struct RgbFramebuffer {
    uint64_t address = 0xfd000000;
    uint32_t pitch = 4096;
    uint32_t width = 1024;
    uint32_t height = 768;
    uint8_t bpp = 32;
    uint8_t kind = 1;
    uint8_t red_shift = 16, red_size = 8, green_shift = 8, green_size = 8, blue_shift = 0, blue_size = 8;
};

inline std::vector<uint8_t> rsdp_v1(uint32_t rsdt, uint8_t revision = 0, bool good_checksum = true) {
    Bytes bytes;
    bytes.text("RSD PTR ", false).u8(0).text("BOCHS ", false).u8(revision).u32(rsdt);
    auto& data = bytes.bytes();
    uint8_t sum = 0;
    for (size_t i = 0; i < 20; ++i)
        sum = static_cast<uint8_t>(sum + data[i]);
    data[8] = static_cast<uint8_t>(-sum + (good_checksum ? 0 : 1));
    return data;
}

inline std::vector<uint8_t> rsdp_v2(uint32_t rsdt, uint64_t xsdt, bool good_checksum = true,
                                    bool good_extended_checksum = true, uint32_t length = 36) {
    Bytes bytes;
    bytes.raw(rsdp_v1(rsdt, 2, good_checksum)).u32(length).u64(xsdt).u8(0).u8(0).u8(0).u8(0);
    auto& data = bytes.bytes();
    uint8_t sum = 0;
    for (size_t i = 0; i < 36; ++i)
        sum = static_cast<uint8_t>(sum + data[i]);
    data[32] = static_cast<uint8_t>(-sum + (good_extended_checksum ? 0 : 1));
    return data;
}

class Multiboot2Builder {
public:
    // Any tag; the size field is 8 + payload unless `size_override` is given.
    Multiboot2Builder& tag(uint32_t type, const std::vector<uint8_t>& payload, int64_t size_override = -1) {
        Bytes header;
        header.u32(type).u32(size_override >= 0 ? static_cast<uint32_t>(size_override)
                                                : static_cast<uint32_t>(8 + payload.size()));
        m_tags.insert(m_tags.end(), header.bytes().begin(), header.bytes().end());
        m_tags.insert(m_tags.end(), payload.begin(), payload.end());
        while (m_tags.size() % 8 != 0)
            m_tags.push_back(0);
        return *this;
    }
    Multiboot2Builder& command_line(const std::string& text) { return tag(1, Bytes().text(text).bytes()); }
    Multiboot2Builder& loader_name(const std::string& text) { return tag(2, Bytes().text(text).bytes()); }
    Multiboot2Builder& module(uint32_t start, uint32_t end, const std::string& name) {
        return tag(3, Bytes().u32(start).u32(end).text(name).bytes());
    }
    Multiboot2Builder& basic_memory_info(uint32_t lower_kib, uint32_t upper_kib) {
        return tag(4, Bytes().u32(lower_kib).u32(upper_kib).bytes());
    }
    Multiboot2Builder& memory_map(const std::vector<RawEntry>& entries, uint32_t entry_size = 24) {
        Bytes bytes;
        bytes.u32(entry_size).u32(0);
        for (const RawEntry& entry : entries) {
            bytes.u64(entry.base).u64(entry.length).u32(entry.type).u32(0);
            for (uint32_t i = 24; i < entry_size; ++i)
                bytes.u8(0xee);
        }
        return tag(6, bytes.bytes());
    }
    Multiboot2Builder& framebuffer(const RgbFramebuffer& fb) {
        Bytes bytes;
        bytes.u64(fb.address).u32(fb.pitch).u32(fb.width).u32(fb.height).u8(fb.bpp).u8(fb.kind).u16(0);
        if (fb.kind == 1)
            bytes.u8(fb.red_shift)
                .u8(fb.red_size)
                .u8(fb.green_shift)
                .u8(fb.green_size)
                .u8(fb.blue_shift)
                .u8(fb.blue_size);
        else if (fb.kind == 0)
            bytes.u16(2).u8(0).u8(0).u8(0).u8(255).u8(255).u8(255); // a two-colour palette
        return tag(8, bytes.bytes());
    }
    Multiboot2Builder& elf_sections(uint32_t count, uint32_t entry_size, uint32_t string_index,
                                    size_t header_bytes) {
        Bytes bytes;
        bytes.u32(count).u32(entry_size).u32(string_index);
        for (size_t i = 0; i < header_bytes; ++i)
            bytes.u8(static_cast<uint8_t>(i));
        return tag(9, bytes.bytes());
    }
    Multiboot2Builder& old_rsdp(const std::vector<uint8_t>& rsdp) { return tag(14, rsdp); }
    Multiboot2Builder& new_rsdp(const std::vector<uint8_t>& rsdp) { return tag(15, rsdp); }

    // The whole block: fixed part, tags, and (unless told otherwise) the end tag.
    std::vector<uint8_t> build(bool with_end_tag = true) const {
        Bytes block;
        block.u32(0).u32(0).raw(m_tags);
        if (with_end_tag)
            block.u32(0).u32(8);
        auto& data = block.bytes();
        uint32_t total = static_cast<uint32_t>(data.size());
        for (int i = 0; i < 4; ++i)
            data[i] = static_cast<uint8_t>(total >> (8 * i));
        return data;
    }

private:
    std::vector<uint8_t> m_tags;
};

inline void set_u32(std::vector<uint8_t>& bytes, size_t offset, uint32_t value) {
    for (int i = 0; i < 4; ++i)
        bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// Parses from an exactly sized heap copy, so sanitizers see any read past the end.
inline ktl::ErrorOr<void> parse(const std::vector<uint8_t>& bytes, BootInfo& out, BootWarnings& warnings,
                                uint64_t physical_address = 0x10000) {
    std::vector<uint8_t> copy(bytes);
    return parse_multiboot2(ktl::ByteReader(copy.empty() ? nullptr : copy.data(), copy.size()),
                            physical_address, out, warnings);
}

} // namespace boot::testing
