// elf::ProgramImage against real static programs (checked-in musl fixtures, compared with what
// `readelf -lW` says about them), hand-made hostile headers, truncations and random corruption.
#include "elf/program_image.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using elf::ProgramImage;

std::vector<uint8_t> read_fixture(const std::string& name) {
    std::ifstream stream(std::string(BLOG_OS_ELF_PROGRAM_DATA) + "/" + name, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

const std::vector<uint8_t>& fixture(const std::string& name) {
    static std::vector<std::pair<std::string, std::vector<uint8_t>>> cache;
    for (auto& [cached_name, bytes] : cache)
        if (cached_name == name)
            return bytes;
    cache.emplace_back(name, read_fixture(name));
    EXPECT_FALSE(cache.back().second.empty()) << name;
    return cache.back().second;
}

const char* const static_fixtures[] = {"musl_static", "musl_static_noseparate", "musl_static_pie",
                                       "musl_lld_static_pie"};

ktl::ErrorOr<ProgramImage> parse(const std::vector<uint8_t>& bytes,
                                 elf::ProgramDiagnostic* diagnostic = nullptr,
                                 const elf::LoadOptions& options = {}) {
    return ProgramImage::parse(ktl::ByteReader(bytes.data(), bytes.size()), options, diagnostic);
}

uint64_t get_u64(const std::vector<uint8_t>& bytes, size_t at) {
    uint64_t value = 0;
    std::memcpy(&value, &bytes[at], 8);
    return value;
}
void put_u64(std::vector<uint8_t>& bytes, size_t at, uint64_t value) {
    std::memcpy(&bytes[at], &value, 8);
}
void put_u32(std::vector<uint8_t>& bytes, size_t at, uint32_t value) {
    std::memcpy(&bytes[at], &value, 4);
}
void put_u16(std::vector<uint8_t>& bytes, size_t at, uint16_t value) {
    std::memcpy(&bytes[at], &value, 2);
}

// What every image parse() returns must satisfy, whatever the input was.
void expect_invariants(const ProgramImage& image, size_t file_size, const elf::LoadOptions& options = {}) {
    const auto& mappings = image.mappings();
    ASSERT_FALSE(mappings.is_empty());
    bool entry_ok = false, phdr_ok = false, tls_ok = !image.has_tls();
    uint64_t phdr_size = uint64_t(image.program_header_count()) * image.program_header_size();
    for (size_t i = 0; i < mappings.size(); ++i) {
        const elf::Mapping& m = mappings[i];
        EXPECT_EQ(m.virtual_start % 4096, 0u);
        EXPECT_EQ(m.virtual_end % 4096, 0u);
        EXPECT_LT(m.virtual_start, m.virtual_end);
        EXPECT_GE(m.virtual_start, options.user_min);
        EXPECT_LE(m.virtual_end, options.user_max);
        EXPECT_FALSE(m.writable && m.executable);
        EXPECT_GE(m.copy_start, m.virtual_start);
        EXPECT_LE(m.file_bytes, m.virtual_end - m.copy_start);
        EXPECT_LE(m.file_offset, file_size);
        EXPECT_LE(m.file_bytes, file_size - m.file_offset);
        if (i > 0) {
            EXPECT_LE(mappings[i - 1].virtual_end, m.virtual_start);
        }
        entry_ok |= m.executable && image.entry() >= m.virtual_start && image.entry() < m.virtual_end;
        phdr_ok |= image.program_headers_address() >= m.virtual_start &&
                   image.program_headers_address() + phdr_size <= m.virtual_end;
        tls_ok |= image.tls().address >= m.copy_start &&
                  image.tls().address + image.tls().file_size <= m.copy_start + m.file_bytes;
    }
    EXPECT_TRUE(entry_ok);
    EXPECT_TRUE(phdr_ok);
    EXPECT_TRUE(tls_ok);
    EXPECT_EQ(image.image_end(), mappings[mappings.size() - 1].virtual_end);
    if (image.type() == ProgramImage::Type::Executable) {
        EXPECT_EQ(image.load_bias(), 0u);
    }
    auto applied = image.apply_relocations([&](uint64_t address, uint64_t) {
        bool inside = false;
        for (const auto& m : mappings)
            inside |= address >= m.virtual_start && address + 8 <= m.virtual_end;
        EXPECT_TRUE(inside) << std::hex << address;
    });
    (void)applied;
}

// ---- What readelf says about a fixture ----

struct ReadelfHeader {
    std::string type, flags;
    uint64_t offset = 0, vaddr = 0, file_size = 0, memory_size = 0, align = 0;
};
struct ReadelfFacts {
    uint64_t entry = 0;
    std::vector<ReadelfHeader> headers;
    size_t relative_relocations = 0;
};

std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return output;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, n);
    pclose(pipe);
    return output;
}

bool readelf_available() {
    return run("readelf --version 2>/dev/null").find("readelf") != std::string::npos;
}

ReadelfFacts readelf_facts(const std::string& name) {
    std::string path = std::string(BLOG_OS_ELF_PROGRAM_DATA) + "/" + name;
    ReadelfFacts facts;
    std::istringstream lines(run("readelf -hlW '" + path + "'"));
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        if (line.find("Entry point address:") != std::string::npos) {
            facts.entry = std::stoull(w.back(), nullptr, 16);
            continue;
        }
        if (w.size() < 8 || w[1].rfind("0x", 0) != 0 || w[2].rfind("0x", 0) != 0)
            continue; // not a program header row
        ReadelfHeader header{w[0],
                             "",
                             std::stoull(w[1], nullptr, 16),
                             std::stoull(w[2], nullptr, 16),
                             std::stoull(w[4], nullptr, 16),
                             std::stoull(w[5], nullptr, 16),
                             std::stoull(w.back(), nullptr, 16)};
        for (size_t i = 6; i + 1 < w.size(); ++i)
            header.flags += w[i]; // "R E" is two words
        facts.headers.push_back(header);
    }
    std::istringstream relocations(run("readelf -rW '" + path + "'"));
    for (std::string line; std::getline(relocations, line);)
        facts.relative_relocations += line.find("R_X86_64_RELATIVE") != std::string::npos;
    return facts;
}

TEST(ProgramImage, FixturesAgreeWithReadelf) {
    if (!readelf_available())
        GTEST_SKIP() << "readelf not installed";
    for (const char* name : static_fixtures) {
        SCOPED_TRACE(name);
        const auto& bytes = fixture(name);
        ReadelfFacts facts = readelf_facts(name);
        ASSERT_FALSE(facts.headers.empty());
        auto parsed = parse(bytes);
        ASSERT_FALSE(parsed.is_error()) << parsed.error().name();
        const ProgramImage& image = parsed.value();
        expect_invariants(image, bytes.size());
        uint64_t bias = image.load_bias();
        EXPECT_EQ(image.entry(), facts.entry + bias);
        EXPECT_EQ(image.program_header_count(), facts.headers.size());
        EXPECT_EQ(image.relative_relocation_count(), facts.relative_relocations);
        size_t loads = 0;
        bool saw_phdr = false, saw_tls = false;
        for (const ReadelfHeader& header : facts.headers) {
            if (header.type == "LOAD") {
                // No fixture shares a page between segments, so each PT_LOAD is exactly one mapping.
                ASSERT_LT(loads, image.mappings().size());
                const elf::Mapping& m = image.mappings()[loads++];
                EXPECT_EQ(m.virtual_start, (header.vaddr + bias) & ~uint64_t(4095));
                EXPECT_EQ(m.virtual_end, (header.vaddr + bias + header.memory_size + 4095) & ~uint64_t(4095));
                EXPECT_EQ(m.copy_start, header.vaddr + bias);
                EXPECT_EQ(m.file_offset, header.offset);
                EXPECT_EQ(m.file_bytes, header.file_size);
                EXPECT_EQ(m.zero_fill(), m.virtual_end - header.vaddr - bias - header.file_size);
                EXPECT_EQ(m.readable, header.flags.find('R') != std::string::npos);
                EXPECT_EQ(m.writable, header.flags.find('W') != std::string::npos);
                EXPECT_EQ(m.executable, header.flags.find('E') != std::string::npos);
            } else if (header.type == "PHDR") {
                saw_phdr = true;
                EXPECT_EQ(image.program_headers_address(), header.vaddr + bias);
            } else if (header.type == "TLS") {
                saw_tls = true;
                ASSERT_TRUE(image.has_tls());
                EXPECT_EQ(image.tls().address, header.vaddr + bias);
                EXPECT_EQ(image.tls().file_size, header.file_size);
                EXPECT_EQ(image.tls().memory_size, header.memory_size);
                EXPECT_EQ(image.tls().alignment, header.align);
            } else if (header.type == "GNU_STACK") {
                EXPECT_EQ(image.wants_executable_stack(), header.flags.find('E') != std::string::npos);
            }
        }
        EXPECT_EQ(loads, image.mappings().size());
        EXPECT_EQ(image.has_tls(), saw_tls);
        if (!saw_phdr) { // ld puts the headers at offset 64 of the first PT_LOAD, which maps offset 0
            EXPECT_EQ(image.program_headers_address(), image.mappings()[0].copy_start + 64);
        }
        EXPECT_EQ(image.image_end(), image.mappings()[image.mappings().size() - 1].virtual_end);
    }
}

// The same facts, hard-coded from `readelf -lW musl_static`, for a machine without binutils.
TEST(ProgramImage, MuslStaticExecutable) {
    const auto& bytes = fixture("musl_static");
    auto image = parse(bytes).release_value();
    EXPECT_EQ(image.type(), ProgramImage::Type::Executable);
    EXPECT_EQ(image.load_bias(), 0u);
    EXPECT_EQ(image.entry(), 0x401091u);
    ASSERT_EQ(image.mappings().size(), 4u);
    const elf::Mapping& data = image.mappings()[3]; // LOAD 0x005fbc 0x406fbc filesz 0x194 memsz 0x283c RW
    EXPECT_EQ(data.virtual_start, 0x406000u);
    EXPECT_EQ(data.virtual_end, 0x40a000u);
    EXPECT_EQ(data.copy_start, 0x406fbcu);
    EXPECT_EQ(data.file_offset, 0x5fbcu);
    EXPECT_EQ(data.file_bytes, 0x194u);
    EXPECT_TRUE(data.readable && data.writable && !data.executable);
    EXPECT_TRUE(image.mappings()[1].executable && !image.mappings()[1].writable);
    EXPECT_EQ(image.program_headers_address(), 0x400040u);
    EXPECT_EQ(image.program_header_count(), 7);
    EXPECT_EQ(image.tls().address, 0x406fbcu);
    EXPECT_EQ(image.tls().memory_size, 4u);
    EXPECT_EQ(image.tls().alignment, 4u);
    EXPECT_FALSE(image.wants_executable_stack());
    EXPECT_EQ(image.image_end(), 0x40a000u);
    EXPECT_EQ(image.relative_relocation_count(), 0u);
}

TEST(ProgramImage, StaticPieIsPlacedAtTheBias) {
    const auto& bytes = fixture("musl_lld_static_pie");
    elf::LoadOptions options;
    options.pie_bias = 0x7f0000000000;
    auto image = parse(bytes, nullptr, options).release_value();
    EXPECT_EQ(image.type(), ProgramImage::Type::StaticPie);
    EXPECT_EQ(image.load_bias(), 0x7f0000000000u);
    EXPECT_EQ(image.entry(), 0x7f0000002100u);
    EXPECT_EQ(image.program_headers_address(), 0x7f0000000040u); // from PT_PHDR
    ASSERT_EQ(image.mappings().size(), 4u);
    EXPECT_EQ(image.mappings()[0].virtual_start, 0x7f0000000000u);
    EXPECT_EQ(image.relative_relocation_count(), 12u);
    EXPECT_EQ(image.irelative_relocation_count(), 0u);
    expect_invariants(image, bytes.size(), options);

    options.pie_bias = 0x7f0000000800;
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(parse(bytes, &diagnostic, options).error().code(), ktl::Errno::InvalidArgument);
    options.pie_bias = 0; // would put the headers at page 0, below user_min
    EXPECT_EQ(parse(bytes, &diagnostic, options).error().code(), ktl::Errno::ExecFormat);
    options.pie_bias = 0x00007ffffffff000; // runs past the end of user space
    EXPECT_EQ(parse(bytes, &diagnostic, options).error().code(), ktl::Errno::ExecFormat);
}

// Lay the image out in a vector as the loader would, apply the relocations, and follow the pointers.
TEST(ProgramImage, RelocationsOfAStaticPieLandInsideTheImage) {
    for (const char* name : {"musl_static_pie", "musl_lld_static_pie"}) {
        SCOPED_TRACE(name);
        const auto& bytes = fixture(name);
        auto image = parse(bytes).release_value();
        uint64_t base = image.mappings()[0].virtual_start;
        std::vector<uint8_t> memory(image.image_end() - base, 0);
        for (const elf::Mapping& m : image.mappings())
            std::memcpy(&memory[m.copy_start - base], &bytes[m.file_offset], m.file_bytes);
        std::vector<uint64_t> targets;
        auto applied = image.apply_relocations([&](uint64_t address, uint64_t value) {
            ASSERT_GE(address, base);
            ASSERT_LE(address + 8, image.image_end());
            put_u64(memory, address - base, value);
            targets.push_back(address);
        });
        ASSERT_FALSE(applied.is_error());
        EXPECT_EQ(targets.size(), image.relative_relocation_count());
        EXPECT_GT(targets.size(), 0u);
        bool points_at_hello = false;
        for (uint64_t target : targets) {
            uint64_t pointer = get_u64(memory, target - base);
            EXPECT_GE(pointer, base);
            EXPECT_LT(pointer, image.image_end());
            if (pointer >= base && pointer + 6 <= image.image_end())
                points_at_hello |= std::memcmp(&memory[pointer - base], "hello", 6) == 0;
        }
        EXPECT_TRUE(points_at_hello) << "messages[0] of program.c is a relocated pointer to \"hello\"";
    }
    auto executable = parse(fixture("musl_static")).release_value();
    size_t writes = 0;
    EXPECT_FALSE(executable.apply_relocations([&](uint64_t, uint64_t) { ++writes; }).is_error());
    EXPECT_EQ(writes, 0u);
}

TEST(ProgramImage, DynamicallyLinkedProgramNeedsAnInterpreter) {
    elf::ProgramDiagnostic diagnostic;
    auto result = parse(fixture("musl_dynamic"), &diagnostic);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ktl::Errno::ExecFormat);
    ASSERT_NE(diagnostic.reason, nullptr);
    EXPECT_NE(std::string(diagnostic.reason).find("needs an interpreter"), std::string::npos);
    EXPECT_GE(diagnostic.header_index, 0);
}

// ---- Hand-made programs ----

struct Header {
    uint32_t type, flags;
    uint64_t offset, vaddr, file_size, memory_size, align;
};
constexpr uint32_t load = 1, r = 4, w = 2, x = 1;

std::vector<uint8_t> make_program(const std::vector<Header>& headers, uint64_t entry, uint16_t type = 2,
                                  size_t file_size = 0x3000) {
    std::vector<uint8_t> bytes(file_size, 0);
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::memcpy(bytes.data(), ident, sizeof ident);
    put_u16(bytes, 16, type);
    put_u16(bytes, 18, 62);
    put_u64(bytes, 24, entry);
    put_u64(bytes, 32, 64);
    put_u16(bytes, 54, 56);
    put_u16(bytes, 56, static_cast<uint16_t>(headers.size()));
    for (size_t i = 0; i < headers.size(); ++i) {
        size_t at = 64 + i * 56;
        put_u32(bytes, at, headers[i].type);
        put_u32(bytes, at + 4, headers[i].flags);
        put_u64(bytes, at + 8, headers[i].offset);
        put_u64(bytes, at + 16, headers[i].vaddr);
        put_u64(bytes, at + 32, headers[i].file_size);
        put_u64(bytes, at + 40, headers[i].memory_size);
        put_u64(bytes, at + 48, headers[i].align);
    }
    return bytes;
}

// Headers + rodata, code, data + bss: the shape of a -z separate-code static executable.
std::vector<Header> good_headers() {
    return {{load, r, 0, 0x400000, 0x200, 0x200, 0x1000},
            {load, r | x, 0x1000, 0x401000, 0x100, 0x100, 0x1000},
            {load, r | w, 0x2010, 0x402010, 0x10, 0x3000, 0x1000}};
}

ktl::Errno refusal(const std::vector<uint8_t>& bytes, elf::ProgramDiagnostic* diagnostic = nullptr) {
    auto result = parse(bytes, diagnostic);
    if (!result.is_error()) {
        ADD_FAILURE() << "accepted";
        return ktl::Errno::NotPermitted;
    }
    return result.error().code();
}

TEST(ProgramImage, HandMadeProgramIsDescribedExactly) {
    auto bytes = make_program(good_headers(), 0x401000);
    auto image = parse(bytes).release_value();
    expect_invariants(image, bytes.size());
    ASSERT_EQ(image.mappings().size(), 3u);
    const elf::Mapping& data = image.mappings()[2];
    EXPECT_EQ(data.virtual_start, 0x402000u);
    EXPECT_EQ(data.virtual_end, 0x406000u); // 0x402010 + 0x3000 rounded up
    EXPECT_EQ(data.copy_start, 0x402010u);
    EXPECT_EQ(data.file_offset, 0x2010u);
    EXPECT_EQ(data.file_bytes, 0x10u);
    EXPECT_EQ(data.zero_fill(), 0x406000u - 0x402020u);
    EXPECT_EQ(image.image_end(), 0x406000u);
    EXPECT_EQ(image.program_headers_address(), 0x400040u);
    EXPECT_FALSE(image.has_tls());
    EXPECT_FALSE(image.wants_executable_stack());
}

TEST(ProgramImage, RefusesSegmentInTheKernelHalf) {
    auto headers = good_headers();
    headers[2].vaddr = 0xffff800000002010;
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(refusal(make_program(headers, 0x401000), &diagnostic), ktl::Errno::ExecFormat);
    EXPECT_EQ(diagnostic.header_index, 2);
    headers = good_headers();
    headers[0].vaddr = 0; // below user_min: page 0 stays unmapped
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, RefusesAddressRangesThatWrap) {
    auto headers = good_headers();
    headers[2].vaddr = 0xfffffffffffff010;
    headers[2].memory_size = 0x2000;
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    headers = good_headers();
    headers[2].memory_size = ~uint64_t(0);
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    // A static-PIE whose bias pushes it over the top.
    headers = good_headers();
    headers[2].vaddr = 0xffffaaaaaaaab010;
    EXPECT_EQ(refusal(make_program(headers, 0x401000, 3)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, RefusesFileSizeLargerThanMemorySize) {
    auto headers = good_headers();
    headers[1].file_size = 0x200;
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(refusal(make_program(headers, 0x401000), &diagnostic), ktl::Errno::ExecFormat);
    EXPECT_EQ(diagnostic.header_index, 1);
}

TEST(ProgramImage, RefusesFileBytesPastTheEndOfTheFile) {
    auto headers = good_headers();
    headers[2].file_size = 0x1000; // 0x2010 + 0x1000 > 0x3000
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    headers = good_headers();
    headers[2].offset = 0xfffffffffffff010; // offset + size wraps
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, RefusesOffsetNotCongruentWithAddress) {
    auto headers = good_headers();
    headers[2].offset = 0x2018;
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, RefusesWritableAndExecutableSegment) {
    auto headers = good_headers();
    headers[1].flags = r | w | x;
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(refusal(make_program(headers, 0x401000), &diagnostic), ktl::Errno::AccessDenied);
    EXPECT_EQ(diagnostic.header_index, 1);
    EXPECT_NE(std::string(diagnostic.reason).find("writable and executable"), std::string::npos);
}

TEST(ProgramImage, RefusesOverlappingSegments) {
    auto headers = good_headers();
    headers[2].vaddr = 0x4010f0; // inside the code's 0x100 bytes
    headers[2].offset = 0x20f0;
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    // Listed out of order and overlapping is refused the same way.
    headers = good_headers();
    headers.push_back({load, r, 0x0, 0x400100, 0x10, 0x10, 0x1000});
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, AcceptsOutOfOrderSegmentsSorted) {
    auto headers = good_headers();
    std::swap(headers[0], headers[2]);
    auto bytes = make_program(headers, 0x401000);
    auto image = parse(bytes).release_value();
    expect_invariants(image, bytes.size());
    EXPECT_EQ(image.mappings()[0].virtual_start, 0x400000u);
}

// The page rule: a boundary page shared by two segments that one file copy can fill.
TEST(ProgramImage, SharedBoundaryPageGetsBothPermissions) {
    std::vector<Header> headers = {{load, r, 0, 0x400000, 0x800, 0x800, 0x1000},
                                   {load, r | w, 0x800, 0x400800, 0x10, 0x2000, 0x1000},
                                   {load, r | x, 0x1000, 0x404000, 0x100, 0x100, 0x1000}};
    auto bytes = make_program(headers, 0x404000);
    auto image = parse(bytes).release_value();
    expect_invariants(image, bytes.size());
    ASSERT_EQ(image.mappings().size(), 3u);
    const elf::Mapping& shared = image.mappings()[0];
    EXPECT_EQ(shared.virtual_start, 0x400000u);
    EXPECT_EQ(shared.virtual_end, 0x401000u);
    EXPECT_TRUE(shared.readable && shared.writable && !shared.executable);
    EXPECT_EQ(shared.copy_start, 0x400000u);
    EXPECT_EQ(shared.file_offset, 0u);
    EXPECT_EQ(shared.file_bytes, 0x810u);
    const elf::Mapping& bss = image.mappings()[1];
    EXPECT_EQ(bss.virtual_start, 0x401000u);
    EXPECT_EQ(bss.virtual_end, 0x403000u);
    EXPECT_EQ(bss.file_bytes, 0u);

    // The first segment's zero-filled tail sits between the two copies: not one copy, refused.
    headers[0].memory_size = 0x900;
    headers[1].vaddr = 0x400900, headers[1].offset = 0x900;
    EXPECT_EQ(refusal(make_program(headers, 0x404000)), ktl::Errno::ExecFormat);
    // Different file deltas in one page: refused.
    headers = {{load, r, 0, 0x400000, 0x800, 0x800, 0x1000},
               {load, r | w, 0x1800, 0x400800, 0x10, 0x10, 0x1000},
               {load, r | x, 0x1000, 0x404000, 0x100, 0x100, 0x1000}};
    EXPECT_EQ(refusal(make_program(headers, 0x404000)), ktl::Errno::ExecFormat);
    // Code and data sharing a page would make it W+X.
    headers = {{load, r | x, 0, 0x400000, 0x800, 0x800, 0x1000},
               {load, r | w, 0x800, 0x400800, 0x10, 0x10, 0x1000}};
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(refusal(make_program(headers, 0x400100), &diagnostic), ktl::Errno::AccessDenied);
    EXPECT_EQ(diagnostic.header_index, 1);
}

TEST(ProgramImage, ThreeSegmentsInOnePage) {
    std::vector<Header> headers = {{load, r, 0, 0x400000, 0x400, 0x400, 0x1000},
                                   {load, r, 0x400, 0x400400, 0x100, 0x100, 0x1000},
                                   {load, r | x, 0x800, 0x400800, 0x100, 0x2000, 0x1000}};
    auto bytes = make_program(headers, 0x400800);
    auto image = parse(bytes).release_value();
    expect_invariants(image, bytes.size());
    ASSERT_EQ(image.mappings().size(), 2u); // the shared page, then the rest of the code's bss
    EXPECT_EQ(image.mappings()[0].file_bytes, 0x900u);
    EXPECT_TRUE(image.mappings()[0].executable);
    EXPECT_EQ(image.mappings()[1].virtual_start, 0x401000u);
    EXPECT_EQ(image.mappings()[1].virtual_end, 0x403000u);
    EXPECT_EQ(image.mappings()[1].file_bytes, 0u);
}

TEST(ProgramImage, RefusesEntryOutsideExecutableSegments) {
    EXPECT_EQ(refusal(make_program(good_headers(), 0x400010)), ktl::Errno::ExecFormat); // rodata
    EXPECT_EQ(refusal(make_program(good_headers(), 0x402010)), ktl::Errno::ExecFormat); // data
    EXPECT_EQ(refusal(make_program(good_headers(), 0x900000)), ktl::Errno::ExecFormat); // nowhere
    EXPECT_EQ(refusal(make_program(good_headers(), 0xfffffffffffffff0, 3)), ktl::Errno::ExecFormat); // wraps
}

TEST(ProgramImage, RefusesInterpreter) {
    auto headers = good_headers();
    headers.push_back({3, r, 0x200, 0x400200, 0x10, 0x10, 1});
    elf::ProgramDiagnostic diagnostic;
    EXPECT_EQ(refusal(make_program(headers, 0x401000), &diagnostic), ktl::Errno::ExecFormat);
    EXPECT_EQ(diagnostic.header_index, 3);
}

TEST(ProgramImage, RefusesBadProgramHeaderTables) {
    auto bytes = make_program(good_headers(), 0x401000);
    auto with_count = [&](uint16_t count) {
        auto copy = bytes;
        put_u16(copy, 56, count);
        return copy;
    };
    EXPECT_EQ(refusal(with_count(0)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_count(65)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_count(0xffff)), ktl::Errno::ExecFormat);
    auto wide = bytes;
    put_u16(wide, 54, 64);
    EXPECT_EQ(refusal(wide), ktl::Errno::ExecFormat);
    auto far = bytes;
    put_u64(far, 32, 0x2ff0); // the table runs past the end of the file
    EXPECT_EQ(refusal(far), ktl::Errno::ExecFormat);
    put_u64(far, 32, ~uint64_t(0) - 8);
    EXPECT_EQ(refusal(far), ktl::Errno::ExecFormat);
    // Only non-PT_LOAD headers.
    EXPECT_EQ(refusal(make_program({{0x6474e551, r | w, 0, 0, 0, 0, 16}}, 0x401000)), ktl::Errno::ExecFormat);
    // Program headers not inside any PT_LOAD and no PT_PHDR: AT_PHDR would point nowhere.
    auto headers = good_headers();
    headers[0].offset = 0x2000; // maps file bytes after the headers (congruent with 0x400000)
    headers[0].file_size = headers[0].memory_size = 0x10;
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, RefusesOtherMachinesAndClasses) {
    auto bytes = make_program(good_headers(), 0x401000);
    auto changed = [&](size_t at, uint8_t value) {
        auto copy = bytes;
        copy[at] = value;
        return copy;
    };
    EXPECT_EQ(refusal(changed(4, 1)), ktl::Errno::ExecFormat);  // ELFCLASS32
    EXPECT_EQ(refusal(changed(5, 2)), ktl::Errno::ExecFormat);  // big-endian
    EXPECT_EQ(refusal(changed(18, 3)), ktl::Errno::ExecFormat); // EM_386
    EXPECT_EQ(refusal(changed(16, 1)), ktl::Errno::ExecFormat); // ET_REL
    EXPECT_EQ(refusal(changed(16, 4)), ktl::Errno::ExecFormat); // ET_CORE
    EXPECT_EQ(refusal(changed(0, 'M')), ktl::Errno::ExecFormat);
}

TEST(ProgramImage, ThreadLocalStorageAndStackFlags) {
    auto headers = good_headers();
    headers.push_back({7, r, 0x2010, 0x402010, 0x8, 0x40, 16});
    headers.push_back({0x6474e551, r | w | x, 0, 0, 0, 0, 16});
    auto bytes = make_program(headers, 0x401000);
    auto image = parse(bytes).release_value();
    ASSERT_TRUE(image.has_tls());
    EXPECT_EQ(image.tls().address, 0x402010u);
    EXPECT_EQ(image.tls().alignment, 16u);
    EXPECT_TRUE(image.wants_executable_stack());

    headers[3].align = 12;
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    headers[3].align = 16;
    headers[3].file_size = 0x20; // beyond the data segment's 0x10 file bytes
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
    headers[3].file_size = 0x80; // filesz > memsz
    EXPECT_EQ(refusal(make_program(headers, 0x401000)), ktl::Errno::ExecFormat);
}

// ---- Static-PIE relocation tables, edited in the real fixture ----

struct DynamicTable {
    size_t dynamic_offset = 0, rela_offset = 0, rela_size = 0;
};

// Finds PT_DYNAMIC and the RELA table (the fixture's first PT_LOAD maps offset 0 at vaddr 0).
DynamicTable dynamic_table(const std::vector<uint8_t>& bytes) {
    DynamicTable table;
    uint16_t count = bytes[56] | bytes[57] << 8;
    for (size_t i = 0; i < count; ++i)
        if (bytes[64 + i * 56] == 2)
            table.dynamic_offset = get_u64(bytes, 64 + i * 56 + 8);
    for (size_t at = table.dynamic_offset; get_u64(bytes, at) != 0; at += 16) {
        if (get_u64(bytes, at) == 7)
            table.rela_offset = get_u64(bytes, at + 8);
        if (get_u64(bytes, at) == 8)
            table.rela_size = get_u64(bytes, at + 8);
    }
    return table;
}

TEST(ProgramImage, StaticPieRelocationChecks) {
    const auto& original = fixture("musl_static_pie");
    DynamicTable table = dynamic_table(original);
    ASSERT_NE(table.dynamic_offset, 0u);
    ASSERT_NE(table.rela_offset, 0u);
    ASSERT_EQ(table.rela_size % 24, 0u);
    size_t first = table.rela_offset;
    elf::ProgramDiagnostic diagnostic;

    auto bytes = original;
    put_u64(bytes, first + 8, 1); // R_X86_64_64 needs a symbol
    EXPECT_EQ(refusal(bytes, &diagnostic), ktl::Errno::NotSupported);
    put_u64(bytes, first + 8, 0xff);
    EXPECT_EQ(refusal(bytes), ktl::Errno::NotSupported);

    bytes = original;
    put_u64(bytes, first, 0x40000000); // target far outside the image
    EXPECT_EQ(refusal(bytes), ktl::Errno::ExecFormat);
    put_u64(bytes, first, ~uint64_t(0) - 4);
    EXPECT_EQ(refusal(bytes), ktl::Errno::ExecFormat);

    bytes = original;
    put_u64(bytes, first + 8, 0); // R_X86_64_NONE is skipped
    auto image = parse(bytes).release_value();
    EXPECT_EQ(image.relative_relocation_count(), table.rela_size / 24 - 1);

    bytes = original;
    put_u64(bytes, first + 8, 37); // IRELATIVE: accepted (the libc runs it), but not applied by us
    image = parse(bytes).release_value();
    EXPECT_EQ(image.irelative_relocation_count(), 1u);
    size_t writes = 0;
    auto applied = image.apply_relocations([&](uint64_t, uint64_t) { ++writes; });
    ASSERT_TRUE(applied.is_error());
    EXPECT_EQ(applied.error().code(), ktl::Errno::NotSupported);
    EXPECT_EQ(writes, 0u);

    // The table itself outside the file-backed bytes, or of a ragged size.
    auto with_tag_value = [&](uint64_t tag, uint64_t value) {
        auto copy = original;
        for (size_t at = table.dynamic_offset; get_u64(copy, at) != 0; at += 16)
            if (get_u64(copy, at) == tag)
                put_u64(copy, at + 8, value);
        return copy;
    };
    EXPECT_EQ(refusal(with_tag_value(7, 0x100000)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_tag_value(7, ~uint64_t(0) - 16)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_tag_value(8, table.rela_size + 1)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_tag_value(8, 0x1000000)), ktl::Errno::ExecFormat);
    EXPECT_EQ(refusal(with_tag_value(9, 16)), ktl::Errno::NotSupported);

    // DT_RELR, DT_REL and DT_NEEDED in place of DT_RELA.
    auto with_tag_renamed = [&](uint64_t from, uint64_t to) {
        auto copy = original;
        for (size_t at = table.dynamic_offset; get_u64(copy, at) != 0; at += 16)
            if (get_u64(copy, at) == from) {
                put_u64(copy, at, to);
                break;
            }
        return copy;
    };
    EXPECT_EQ(refusal(with_tag_renamed(7, 36), &diagnostic), ktl::Errno::NotSupported);
    EXPECT_NE(std::string(diagnostic.reason).find("DT_RELR"), std::string::npos);
    EXPECT_EQ(refusal(with_tag_renamed(7, 17)), ktl::Errno::NotSupported);
    EXPECT_EQ(refusal(with_tag_renamed(7, 1)), ktl::Errno::ExecFormat);
}

// ---- Hostile input at scale ----

TEST(ProgramImage, EveryTruncationIsRefusedOrValid) {
    for (const char* name : static_fixtures) {
        SCOPED_TRACE(name);
        const auto& original = fixture(name);
        for (size_t length = 0; length <= original.size(); ++length) {
            std::vector<uint8_t> prefix(original.begin(), original.begin() + length);
            auto image = parse(prefix);
            if (!image.is_error())
                expect_invariants(image.value(), prefix.size());
            if (::testing::Test::HasFailure())
                FAIL() << "at length " << length;
        }
    }
}

TEST(ProgramImage, RandomCorruptionNeverCrashesAndKeepsInvariants) {
    std::mt19937_64 random(20240607);
    std::vector<std::vector<uint8_t>> files;
    std::vector<DynamicTable> tables;
    for (const char* name : static_fixtures) {
        files.push_back(fixture(name));
        tables.push_back(dynamic_table(files.back()));
    }
    size_t accepted = 0;
    for (int round = 0; round < 100000; ++round) {
        size_t which = round % files.size();
        auto& bytes = files[which];
        const DynamicTable& table = tables[which];
        size_t headers_end = 64 + 56 * size_t(bytes[56]);
        struct Flip {
            size_t at;
            uint8_t old;
        } flips[4];
        size_t flip_count = 1 + random() % 4;
        for (size_t i = 0; i < flip_count; ++i) {
            size_t area = random() % 10;
            size_t at = area < 7 ? random() % headers_end
                        : area < 9 && table.dynamic_offset > 0
                            ? (random() % 2 ? table.dynamic_offset + random() % 0x100
                                            : table.rela_offset + random() % 0x100)
                            : random() % bytes.size();
            flips[i] = {at, bytes[at]};
            bytes[at] ^= static_cast<uint8_t>(1 + random() % 255);
        }
        auto image = parse(bytes);
        if (!image.is_error()) {
            ++accepted;
            expect_invariants(image.value(), bytes.size());
        }
        for (size_t i = flip_count; i-- > 0;)
            bytes[flips[i].at] = flips[i].old;
        if (::testing::Test::HasFailure())
            FAIL() << "at round " << round;
    }
    EXPECT_GT(accepted, 1000u); // many flips hit don't-care fields: the valid path is exercised too
}

} // namespace
