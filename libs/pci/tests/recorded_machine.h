// Replays a configuration-space recording (tests/data/*.txt, made by tests/data/record.sh) as a
// FakeConfigSpace. A recording holds, per function, Linux's /sys/bus/pci/devices/*/config in hex and its
// `resource` file; the BARs' writable bits, which a config dump cannot show, come from the resource sizes.
#pragma once

#include "fake_config_space.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pci::testing {

struct Resource {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t flags = 0;
};

// Returns false when the file is missing or malformed.
inline bool load_recording(const char* path, FakeConfigSpace& space) {
    std::ifstream file(path);
    if (!file)
        return false;
    FakeFunction* function = nullptr;
    size_t offset = 0;
    bool in_resources = false;
    std::vector<Resource> resources;

    auto finish = [&] {
        if (!function)
            return;
        // Only BARs whose programmed address and kind agree with Linux's resource are sized: Linux also
        // lists legacy resources (IDE's 0x1F0) for BARs that read as zero.
        for (uint8_t index = 0; index < function->bar_count() && index < resources.size(); ++index) {
            const Resource& resource = resources[index];
            if (resource.flags == 0)
                continue;
            uint64_t size = resource.end - resource.start + 1;
            uint32_t value = function->get32(FakeFunction::bar_offset(index));
            bool io = value & 1;
            bool io_resource = resource.flags & 0x100; // IORESOURCE_IO
            uint64_t programmed = io ? (value & ~0x3u) : (value & ~0xfu);
            bool is_64bit = !io && ((value >> 1) & 3) == 2;
            if (is_64bit && index + 1 < 6)
                programmed |= uint64_t(function->get32(FakeFunction::bar_offset(index + 1))) << 32;
            if (io != io_resource || programmed != resource.start)
                continue;
            uint64_t writable = ~(size - 1);
            function->bar_writable[index] = uint32_t(writable) & (io ? ~0x3u : ~0xfu);
            if (is_64bit)
                function->bar_writable[index + 1] = uint32_t(writable >> 32);
        }
    };

    std::string line;
    while (std::getline(file, line)) {
        if (line.empty())
            continue;
        if (line.rfind("FUNCTION ", 0) == 0) {
            finish();
            unsigned segment, bus, device, number;
            if (std::sscanf(line.c_str() + 9, "%x:%x:%x.%x", &segment, &bus, &device, &number) != 4)
                return false;
            function = &space.add(Address{uint16_t(segment), uint8_t(bus), uint8_t(device), uint8_t(number)});
            offset = 0;
            in_resources = false;
            resources.clear();
            continue;
        }
        if (!function)
            return false;
        if (line == "RESOURCE") {
            in_resources = true;
            continue;
        }
        std::istringstream fields(line);
        if (in_resources) {
            Resource resource;
            fields >> std::hex >> resource.start >> resource.end >> resource.flags;
            resources.push_back(resource);
            continue;
        }
        unsigned byte;
        while (fields >> std::hex >> byte) {
            if (offset >= ConfigSpace::extended_size)
                return false;
            function->bytes[offset++] = uint8_t(byte);
        }
    }
    finish();
    return true;
}

} // namespace pci::testing
