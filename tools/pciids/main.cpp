// pciids-compact INPUT OUTPUT: turns pci.ids into the compact form lspci reads (docs/pci.md).
#include "compact.h"

#include <cstdio>
#include <fstream>
#include <iterator>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: pciids-compact PCI_IDS OUTPUT\n");
        return 2;
    }
    std::ifstream input(argv[1], std::ios::binary);
    if (!input) {
        std::fprintf(stderr, "pciids-compact: cannot read %s (Debian package pci.ids)\n", argv[1]);
        return 1;
    }
    std::string text((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    pciids::Database database;
    pciids::ParseReport report = pciids::parse(text, database);
    if (report.malformed_lines || report.orphans || report.duplicates)
        std::fprintf(stderr, "pciids-compact: %s: skipped %zu malformed, %zu orphaned, %zu duplicate lines\n",
                     argv[1], report.malformed_lines, report.orphans, report.duplicates);
    std::vector<uint8_t> compact = pciids::write_compact(std::move(database));
    if (compact.empty()) {
        std::fprintf(stderr, "pciids-compact: %s: a list is too long for the compact form\n", argv[1]);
        return 1;
    }
    std::ofstream output(argv[2], std::ios::binary | std::ios::trunc);
    output.write(reinterpret_cast<const char*>(compact.data()), static_cast<std::streamsize>(compact.size()));
    if (!output) {
        std::fprintf(stderr, "pciids-compact: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
