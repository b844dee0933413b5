#include "arch/cpu_info.h"

#include "arch/x86_64/registers.h"

namespace arch {

namespace {

struct FlagBit {
    uint8_t bit;
    const char* name;
};

// Linux's names for CPUID feature bits (arch/x86/include/asm/cpufeatures.h), in its order.
constexpr FlagBit leaf1_edx[] = {
    {0, "fpu"},      {1, "vme"},  {2, "de"},    {3, "pse"},  {4, "tsc"},    {5, "msr"},
    {6, "pae"},      {7, "mce"},  {8, "cx8"},   {9, "apic"}, {11, "sep"},   {12, "mtrr"},
    {13, "pge"},     {14, "mca"}, {15, "cmov"}, {16, "pat"}, {17, "pse36"}, {18, "pn"},
    {19, "clflush"}, {21, "dts"}, {22, "acpi"}, {23, "mmx"}, {24, "fxsr"},  {25, "sse"},
    {26, "sse2"},    {27, "ss"},  {28, "ht"},   {29, "tm"},  {30, "ia64"},  {31, "pbe"},
};
constexpr FlagBit extended_edx[] = {
    {11, "syscall"}, {19, "mp"},     {20, "nx"}, {22, "mmxext"},   {25, "fxsr_opt"},
    {26, "pdpe1gb"}, {27, "rdtscp"}, {29, "lm"}, {30, "3dnowext"}, {31, "3dnow"},
};
constexpr FlagBit leaf1_ecx[] = {
    {0, "pni"},     {1, "pclmulqdq"},   {2, "dtes64"},  {3, "monitor"},
    {4, "ds_cpl"},  {5, "vmx"},         {6, "smx"},     {7, "est"},
    {8, "tm2"},     {9, "ssse3"},       {10, "cid"},    {11, "sdbg"},
    {12, "fma"},    {13, "cx16"},       {14, "xtpr"},   {15, "pdcm"},
    {17, "pcid"},   {18, "dca"},        {19, "sse4_1"}, {20, "sse4_2"},
    {21, "x2apic"}, {22, "movbe"},      {23, "popcnt"}, {24, "tsc_deadline_timer"},
    {25, "aes"},    {26, "xsave"},      {28, "avx"},    {29, "f16c"},
    {30, "rdrand"}, {31, "hypervisor"},
};
constexpr FlagBit extended_ecx[] = {
    {0, "lahf_lm"},       {1, "cmp_legacy"},  {2, "svm"},         {3, "extapic"},       {4, "cr8_legacy"},
    {5, "abm"},           {6, "sse4a"},       {7, "misalignsse"}, {8, "3dnowprefetch"}, {9, "osvw"},
    {10, "ibs"},          {11, "xop"},        {12, "skinit"},     {13, "wdt"},          {15, "lwp"},
    {16, "fma4"},         {17, "tce"},        {19, "nodeid_msr"}, {21, "tbm"},          {22, "topoext"},
    {23, "perfctr_core"}, {24, "perfctr_nb"}, {26, "bpext"},      {28, "perfctr_llc"},  {29, "mwaitx"},
};
constexpr FlagBit leaf7_ebx[] = {
    {0, "fsgsbase"},  {1, "tsc_adjust"}, {2, "sgx"},         {3, "bmi1"},        {4, "hle"},
    {5, "avx2"},      {7, "smep"},       {8, "bmi2"},        {9, "erms"},        {10, "invpcid"},
    {11, "rtm"},      {14, "mpx"},       {16, "avx512f"},    {17, "avx512dq"},   {18, "rdseed"},
    {19, "adx"},      {20, "smap"},      {21, "avx512ifma"}, {23, "clflushopt"}, {24, "clwb"},
    {26, "avx512pf"}, {27, "avx512er"},  {28, "avx512cd"},   {29, "sha_ni"},     {30, "avx512bw"},
    {31, "avx512vl"},
};
constexpr FlagBit leaf7_ecx[] = {
    {1, "avx512vbmi"},   {2, "umip"},           {3, "pku"},
    {4, "ospke"},        {5, "waitpkg"},        {6, "avx512_vbmi2"},
    {8, "gfni"},         {9, "vaes"},           {10, "vpclmulqdq"},
    {11, "avx512_vnni"}, {12, "avx512_bitalg"}, {14, "avx512_vpopcntdq"},
    {16, "la57"},        {22, "rdpid"},         {25, "cldemote"},
    {27, "movdiri"},     {28, "movdir64b"},
};

void write_flags(ktl::FormatSink& sink, uint32_t value, const FlagBit* flags, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        if (value & (1u << flags[i].bit))
            ktl::format_to(sink, " {}", flags[i].name);
    }
}

template <size_t N>
void write_flags(ktl::FormatSink& sink, uint32_t value, const FlagBit (&flags)[N]) {
    write_flags(sink, value, flags, N);
}

} // namespace

void write_cpu_info(ktl::FormatSink& sink, uint64_t tsc_hz) {
    x86_64::CpuidResult leaf0 = x86_64::cpuid(0);
    char vendor[13] = {};
    auto put_word = [](char* at, uint32_t word) {
        for (int i = 0; i < 4; ++i)
            at[i] = static_cast<char>((word >> (8 * i)) & 0xff);
    };
    put_word(vendor, leaf0.ebx);
    put_word(vendor + 4, leaf0.edx);
    put_word(vendor + 8, leaf0.ecx);

    x86_64::CpuidResult leaf1 = x86_64::cpuid(1);
    uint32_t stepping = leaf1.eax & 0xf;
    uint32_t model = (leaf1.eax >> 4) & 0xf;
    uint32_t family = (leaf1.eax >> 8) & 0xf;
    if (family == 0xf)
        family += (leaf1.eax >> 20) & 0xff;
    if (family >= 6)
        model += ((leaf1.eax >> 16) & 0xf) << 4;

    // The brand string, leaves 0x80000002-4, without its leading spaces.
    char brand[49] = {};
    uint32_t highest_extended = x86_64::cpuid(0x80000000).eax;
    if (highest_extended >= 0x80000004) {
        for (uint32_t leaf = 0; leaf < 3; ++leaf) {
            x86_64::CpuidResult part = x86_64::cpuid(0x80000002 + leaf);
            put_word(brand + leaf * 16, part.eax);
            put_word(brand + leaf * 16 + 4, part.ebx);
            put_word(brand + leaf * 16 + 8, part.ecx);
            put_word(brand + leaf * 16 + 12, part.edx);
        }
    }
    const char* model_name = brand;
    while (*model_name == ' ')
        ++model_name;
    if (!*model_name)
        model_name = "unknown";

    uint64_t khz = tsc_hz / 1000;
    ktl::format_to(sink, "processor\t: 0\n");
    ktl::format_to(sink, "vendor_id\t: {}\n", static_cast<const char*>(vendor));
    ktl::format_to(sink, "cpu family\t: {}\n", family);
    ktl::format_to(sink, "model\t\t: {}\n", model);
    ktl::format_to(sink, "model name\t: {}\n", model_name);
    ktl::format_to(sink, "stepping\t: {}\n", stepping);
    ktl::format_to(sink, "cpu MHz\t\t: {}.{:03}\n", khz / 1000, khz % 1000);
    ktl::format_to(sink, "cache size\t: 0 KB\n");
    ktl::format_to(sink, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n");
    ktl::format_to(sink, "apicid\t\t: 0\ninitial apicid\t: 0\n");
    ktl::format_to(sink, "fpu\t\t: yes\nfpu_exception\t: yes\n");
    ktl::format_to(sink, "cpuid level\t: {}\n", leaf0.eax);
    ktl::format_to(sink, "wp\t\t: yes\n");
    sink.write("flags\t\t:");
    write_flags(sink, leaf1.edx, leaf1_edx);
    if (highest_extended >= 0x80000001) {
        x86_64::CpuidResult extended = x86_64::cpuid(0x80000001);
        write_flags(sink, extended.edx, extended_edx);
        write_flags(sink, leaf1.ecx, leaf1_ecx);
        write_flags(sink, extended.ecx, extended_ecx);
    } else {
        write_flags(sink, leaf1.ecx, leaf1_ecx);
    }
    if (leaf0.eax >= 7) {
        x86_64::CpuidResult leaf7 = x86_64::cpuid(7);
        write_flags(sink, leaf7.ebx, leaf7_ebx);
        write_flags(sink, leaf7.ecx, leaf7_ecx);
    }
    sink.write("\n");
    uint64_t bogo = 2 * khz / 10; // hundredths of a BogoMIPS
    ktl::format_to(sink, "bogomips\t: {}.{:02}\n", bogo / 100, bogo % 100);
    ktl::format_to(sink, "clflush size\t: 64\ncache_alignment\t: 64\n");
    uint32_t address_sizes = highest_extended >= 0x80000008 ? x86_64::cpuid(0x80000008).eax : 0x3028;
    ktl::format_to(sink, "address sizes\t: {} bits physical, {} bits virtual\n", address_sizes & 0xff,
                   (address_sizes >> 8) & 0xff);
    sink.write("power management:\n\n");
}

} // namespace arch
