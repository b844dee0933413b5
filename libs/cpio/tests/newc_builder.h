// Builds newc archives byte by byte for the tests, including ones no real writer would produce.
#pragma once

#include "cpio/archive.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace cpio_test {

struct BuilderEntry {
    std::string name;
    uint32_t mode = 0100644;
    std::string data;
    uint32_t inode = 1, uid = 0, gid = 0, nlink = 1, mtime = 0;
    uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0;
    bool crc = false;
};

inline std::string hex8(uint32_t value) {
    char text[9];
    std::snprintf(text, sizeof text, "%08x", value);
    return text;
}

inline uint32_t byte_sum(const std::string& data) {
    uint32_t sum = 0;
    for (unsigned char c : data)
        sum += c;
    return sum;
}

// The header of an entry as 13 field strings, so a test can replace one before it is written.
inline std::vector<std::string> header_fields(const BuilderEntry& entry) {
    return {hex8(entry.inode),
            hex8(entry.mode),
            hex8(entry.uid),
            hex8(entry.gid),
            hex8(entry.nlink),
            hex8(entry.mtime),
            hex8(static_cast<uint32_t>(entry.data.size())),
            hex8(entry.devmajor),
            hex8(entry.devminor),
            hex8(entry.rdevmajor),
            hex8(entry.rdevminor),
            hex8(static_cast<uint32_t>(entry.name.size() + 1)),
            hex8(entry.crc ? byte_sum(entry.data) : 0)};
}

class NewcBuilder {
public:
    NewcBuilder& add(const BuilderEntry& entry) { return add_raw(entry, header_fields(entry)); }
    NewcBuilder& file(const std::string& name, const std::string& data, uint32_t mode = 0100644) {
        BuilderEntry entry;
        entry.name = name;
        entry.data = data;
        entry.mode = mode;
        entry.inode = ++m_next_inode;
        return add(entry);
    }
    NewcBuilder& directory(const std::string& name) {
        BuilderEntry entry;
        entry.name = name;
        entry.mode = 040755;
        entry.nlink = 2;
        entry.inode = ++m_next_inode;
        return add(entry);
    }
    // Writes `fields` (each normally 8 characters) as the header; name and data from `entry`.
    NewcBuilder& add_raw(const BuilderEntry& entry, const std::vector<std::string>& fields,
                         const std::string& magic = "") {
        m_bytes += magic.empty() ? (entry.crc ? "070702" : "070701") : magic;
        for (const std::string& field : fields)
            m_bytes += field;
        m_bytes += entry.name;
        m_bytes += '\0';
        pad();
        m_bytes += entry.data;
        pad();
        return *this;
    }
    NewcBuilder& trailer() {
        BuilderEntry entry;
        entry.name = "TRAILER!!!";
        entry.mode = 0;
        entry.inode = 0;
        return add(entry);
    }
    NewcBuilder& raw(const std::string& bytes) {
        m_bytes += bytes;
        return *this;
    }

    const std::string& bytes() const { return m_bytes; }
    ktl::ByteReader reader() const {
        return ktl::ByteReader(reinterpret_cast<const uint8_t*>(m_bytes.data()), m_bytes.size());
    }

private:
    void pad() {
        while (m_bytes.size() % 4 != 0)
            m_bytes += '\0';
    }

    std::string m_bytes;
    uint32_t m_next_inode = 100;
};

inline std::string as_string(ktl::StringView view) {
    return std::string(view.data(), view.length());
}
inline std::string as_string(ktl::ByteReader bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

} // namespace cpio_test
