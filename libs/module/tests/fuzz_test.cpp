// A real module built by add_kernel_module() links and describes itself; then thousands of mutated
// and truncated copies of it go through parse, plan, link and read_descriptor: each is accepted or
// refused with a message, never a crash or a read outside the file.
#include "link_helper.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>

namespace module::test {
namespace {

std::vector<uint8_t> read_seed() {
    std::ifstream input(BLOG_OS_MODULE_TEST_SEED, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(input), {});
}

// Everything the kernel would do before running the module's code.
bool load_like_the_kernel(const std::vector<uint8_t>& file, Diagnostic& diagnostic,
                          ModuleInfo* out = nullptr) {
    // The kernel reads the file into its own buffer: so does this, so a read past the end is caught
    // by the sanitizers and heap checkers rather than landing in the next test's bytes.
    std::vector<uint8_t> copy(file);
    auto object = ObjectFile::parse(ktl::ByteReader(copy.data(), copy.size()), diagnostic);
    if (object.is_error())
        return false;
    auto layout = Layout::plan(object.value(), diagnostic);
    if (layout.is_error())
        return false;
    const uint64_t addresses[area_count] = {text_address, read_only_address, data_address};
    std::vector<uint8_t> memory[area_count];
    Areas areas;
    for (size_t area = 0; area < area_count; ++area) {
        memory[area].resize(layout.value().area_size[area]);
        areas[area] = {memory[area].data(), addresses[area]};
    }
    MapResolver resolver;
    for (const char* name :
         {"module_log", "module_allocate", "module_free", "memcpy", "strlen", "memset", "memmove", "memcmp"})
        resolver.symbols[name] = kernel_function;
    if (link(object.value(), layout.value(), areas, resolver, diagnostic).is_error())
        return false;
    auto info = read_descriptor(object.value(), layout.value(), areas, diagnostic);
    if (info.is_error())
        return false;
    bool ok = true;
    if (out) {
        out->name = info.value().name;
        ok = info.value().name == "hello" && info.value().version == "1.0" && info.value().license == "MIT";
        // MODULE_PARAMETER(name, …) over char name[32] = "blog_os": a string in the module's data.
        const auto& parameters = info.value().parameters;
        ok = ok && parameters.size() == 1 && parameters[0].name == "name" &&
             parameters[0].kind == ParameterKind::String && parameters[0].size == 32 &&
             __builtin_memcmp(parameters[0].variable, "blog_os", 8) == 0;
    }
    size_t visited = 0;
    (void)for_each_modinfo(
        object.value(), [&](ktl::StringView, ktl::StringView) { ++visited; }, diagnostic);
    return ok;
}

TEST(ModuleRealFile, TheHelloModuleLinksAndDescribesItself) {
    std::vector<uint8_t> file = read_seed();
    ASSERT_GT(file.size(), 64u) << BLOG_OS_MODULE_TEST_SEED;
    Diagnostic diagnostic;
    ModuleInfo info;
    EXPECT_TRUE(load_like_the_kernel(file, diagnostic, &info)) << message(diagnostic);

    auto object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    std::string seen;
    MUST(for_each_modinfo(
        object,
        [&](ktl::StringView key, ktl::StringView value) {
            seen += std::string(key.data(), key.length()) + "=" + std::string(value.data(), value.length()) +
                    "\n";
        },
        diagnostic));
    for (const char* line : {"name=hello\n", "version=1.0\n", "license=MIT\n", "author=blog_os\n",
                             "api_version=1\n", "parm=name:whom to greet\n"})
        EXPECT_NE(seen.find(line), std::string::npos) << line << " not in\n" << seen;
}

TEST(ModuleRealFile, EveryTruncationIsRefused) {
    std::vector<uint8_t> file = read_seed();
    ASSERT_GT(file.size(), 64u);
    for (size_t length = 0; length < file.size(); length += 7) {
        Diagnostic diagnostic;
        std::vector<uint8_t> truncated(file.begin(), file.begin() + length);
        EXPECT_FALSE(load_like_the_kernel(truncated, diagnostic)) << length;
        EXPECT_FALSE(diagnostic.text().is_empty());
    }
}

TEST(ModuleRealFile, MutatedCopiesNeverCrashTheLoader) {
    std::vector<uint8_t> file = read_seed();
    ASSERT_GT(file.size(), 64u);
    std::mt19937_64 random(20261207);
    size_t refused = 0, accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<uint8_t> mutated = file;
        int edits = 1 + int(random() % 8);
        for (int edit = 0; edit < edits; ++edit) {
            size_t at = random() % mutated.size();
            switch (random() % 4) {
            case 0: // one random byte
                mutated[at] = uint8_t(random());
                break;
            case 1: // a field-sized run of 0xff (huge offsets, sizes and indices)
                for (size_t i = at; i < at + 4 && i < mutated.size(); ++i)
                    mutated[i] = 0xff;
                break;
            case 2: // a bit flip
                mutated[at] ^= uint8_t(1u << (random() % 8));
                break;
            default: // small values where offsets and indices live
                mutated[at] = uint8_t(random() % 16);
                break;
            }
        }
        Diagnostic diagnostic;
        if (load_like_the_kernel(mutated, diagnostic))
            ++accepted;
        else {
            ++refused;
            ASSERT_FALSE(diagnostic.text().is_empty()) << "refused without a message, round " << round;
        }
    }
    EXPECT_GT(refused, 0u);
    EXPECT_GT(accepted, 0u); // mutations in padding or code bytes keep it loadable
}

} // namespace
} // namespace module::test
