// Module parameters: the records read_descriptor accepts and refuses, the insmod words applied to
// the variables (integers, booleans, strings; bad values and overflows refused), and their sysfs text.
#include "link_helper.h"
#include "module/parameters.h"
#include "object_builder.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace module::test {
namespace {

constexpr uint32_t r_64 = 1;

struct Variables {
    int64_t count = 1;
    uint8_t verbose = 0;
    char who[8] = "world";
};

ktl::Vector<ModuleInfo::Parameter> parameters_of(Variables& variables) {
    ktl::Vector<ModuleInfo::Parameter> parameters;
    MUST(parameters.try_append(
        {"count", ParameterKind::Integer, 8, reinterpret_cast<uint8_t*>(&variables.count)}));
    MUST(parameters.try_append({"verbose", ParameterKind::Boolean, 1, &variables.verbose}));
    MUST(parameters.try_append({"who", ParameterKind::String, 8, reinterpret_cast<uint8_t*>(variables.who)}));
    return parameters;
}

std::string shown(const ModuleInfo::Parameter& parameter) {
    ktl::StringBuilder out;
    format_parameter(parameter, out);
    return std::string(out.view().data(), out.view().length());
}

TEST(ModuleParameters, WordsSetTheDeclaredVariablesAndTheRestAreLeftForInit) {
    Variables variables;
    auto parameters = parameters_of(variables);
    std::vector<std::string> unknown;
    Diagnostic diagnostic;
    ASSERT_FALSE(apply_parameters(
                     "  count=-0x10 verbose\tother=1 who=blog_os extra", parameters,
                     [&](ktl::StringView word) { unknown.emplace_back(word.data(), word.length()); },
                     diagnostic)
                     .is_error())
        << std::string(diagnostic.text().data(), diagnostic.text().length());
    EXPECT_EQ(variables.count, -16);
    EXPECT_EQ(variables.verbose, 1);
    EXPECT_STREQ(variables.who, "blog_os");
    EXPECT_EQ(unknown, (std::vector<std::string>{"other=1", "extra"}));
    EXPECT_EQ(shown(parameters[0]), "-16\n");
    EXPECT_EQ(shown(parameters[1]), "Y\n");
    EXPECT_EQ(shown(parameters[2]), "blog_os\n");
    ASSERT_FALSE(apply_parameters(
                     "verbose=n count=9223372036854775807", parameters, [](ktl::StringView) {}, diagnostic)
                     .is_error());
    EXPECT_EQ(shown(parameters[1]), "N\n");
    EXPECT_EQ(shown(parameters[0]), "9223372036854775807\n");
}

TEST(ModuleParameters, BadValuesAndLongStringsAreRefusedWithTheirReason) {
    struct Case {
        const char* words;
        ktl::Errno code;
        const char* message;
    } cases[] = {
        {"count=12a", ktl::Errno::InvalidArgument, "parameter count: \"12a\" is not an integer"},
        {"count", ktl::Errno::InvalidArgument, "parameter count: \"\" is not an integer"},
        {"count=9223372036854775808", ktl::Errno::InvalidArgument,
         "parameter count: \"9223372036854775808\" is not an integer"},
        {"count=0x", ktl::Errno::InvalidArgument, "parameter count: \"0x\" is not an integer"},
        {"verbose=maybe", ktl::Errno::InvalidArgument, "parameter verbose: \"maybe\" is not a boolean"},
        {"who=12345678", ktl::Errno::NoSpace, "parameter who: 8 bytes, at most 7 fit"},
    };
    for (const Case& c : cases) {
        Variables variables;
        auto parameters = parameters_of(variables);
        Diagnostic diagnostic;
        auto result = apply_parameters(
            c.words, parameters, [](ktl::StringView) {}, diagnostic);
        ASSERT_TRUE(result.is_error()) << c.words;
        EXPECT_EQ(result.error().code(), c.code) << c.words;
        EXPECT_EQ(std::string(diagnostic.text().data(), diagnostic.text().length()), c.message);
    }
    Variables variables;
    auto parameters = parameters_of(variables);
    Diagnostic diagnostic;
    EXPECT_FALSE(apply_parameters(
                     "count=-9223372036854775808", parameters, [](ktl::StringView) {}, diagnostic)
                     .is_error());
    EXPECT_EQ(variables.count, INT64_MIN);
}

// A module with a descriptor and one parameter record pointing at `target`+`addend`.
std::vector<uint8_t> module_with_parameter(uint32_t kind, uint32_t size, bool variable_in_rodata,
                                           const char* name = "count") {
    ObjectBuilder builder;
    int text = builder.add_section(".text", 1, text_flags, std::vector<uint8_t>(16, 0xc3));
    std::string strings = std::string("mod") + '\0' + name + '\0';
    int rodata = builder.add_section(".rodata", 1, rodata_flags,
                                     std::vector<uint8_t>(strings.begin(), strings.end()), 1);
    int data = builder.add_section(".data", 1, data_flags, std::vector<uint8_t>(16, 0), 8);
    std::vector<uint8_t> record(sizeof(DescriptorRecord), 0);
    DescriptorRecord header{
        descriptor_magic, kernel_api_version, sizeof(DescriptorRecord), 0, 0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(record.data(), &header, sizeof header);
    int descriptor = builder.add_section(descriptor_section_name, 1, data_flags, record, 8);
    std::vector<uint8_t> parameter(sizeof(ParameterRecord), 0);
    ParameterRecord entry{0, kind, size, 0};
    memcpy(parameter.data(), &entry, sizeof entry);
    int parameters = builder.add_section(parameter_section_name, 1, data_flags, parameter, 8);
    uint32_t rodata_symbol = builder.add_symbol(".rodata", uint16_t(rodata), 0, 0, 3);
    uint32_t data_symbol = builder.add_symbol(".data", uint16_t(data), 0, 0, 3);
    uint32_t init = builder.add_symbol("init", uint16_t(text), 0, 1, 2);
    builder.add_relocation(descriptor, offsetof(DescriptorRecord, name), r_64, rodata_symbol, 0);
    builder.add_relocation(descriptor, offsetof(DescriptorRecord, init), r_64, init, 0);
    builder.add_relocation(descriptor, offsetof(DescriptorRecord, self), r_64, data_symbol, 8);
    builder.add_relocation(parameters, offsetof(ParameterRecord, name), r_64, rodata_symbol, 4);
    builder.add_relocation(parameters, offsetof(ParameterRecord, address), r_64,
                           variable_in_rodata ? rodata_symbol : data_symbol, 0);
    return builder.build();
}

std::string refusal(const std::vector<uint8_t>& file) {
    Linked linked;
    Diagnostic diagnostic;
    if (link_bytes(file, linked, diagnostic).is_error())
        return "link failed";
    ObjectFile object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    auto info = read_descriptor(object, linked.layout, linked.areas, diagnostic);
    return info.is_error() ? std::string(diagnostic.text().data(), diagnostic.text().length()) : "";
}

TEST(ModuleParameters, TheDescriptorListsCheckedParameterRecords) {
    std::vector<uint8_t> file = module_with_parameter(uint32_t(ParameterKind::Integer), 8, false);
    Linked linked;
    Diagnostic diagnostic;
    ASSERT_FALSE(link_bytes(file, linked, diagnostic).is_error());
    ObjectFile object = MUST(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    auto info = read_descriptor(object, linked.layout, linked.areas, diagnostic);
    ASSERT_FALSE(info.is_error()) << std::string(diagnostic.text().data(), diagnostic.text().length());
    ASSERT_EQ(info.value().parameters.size(), 1u);
    EXPECT_TRUE(info.value().parameters[0].name == "count");
    EXPECT_EQ(info.value().parameters[0].kind, ParameterKind::Integer);
    EXPECT_EQ(info.value().parameters[0].variable, linked.at(Area::Data, 0));

    EXPECT_NE(refusal(module_with_parameter(uint32_t(ParameterKind::Integer), 8, true))
                  .find("parameter count: its variable 0x"),
              std::string::npos);
    EXPECT_NE(refusal(module_with_parameter(uint32_t(ParameterKind::Integer), 8, true))
                  .find("is not in the module's data"),
              std::string::npos);
    EXPECT_EQ(refusal(module_with_parameter(uint32_t(ParameterKind::Integer), 4, false)),
              "parameter count: kind 1 with 4 bytes");
    EXPECT_EQ(refusal(module_with_parameter(7, 8, false)), "parameter count: kind 7 with 8 bytes");
    EXPECT_EQ(refusal(module_with_parameter(uint32_t(ParameterKind::String), 1, false)),
              "parameter count: kind 3 with 1 bytes");
    EXPECT_EQ(refusal(module_with_parameter(uint32_t(ParameterKind::Boolean), 1, false, "Bad-Name")),
              "parameter 0 has no valid name ([a-z0-9_], 1 to 63)");
}

} // namespace
} // namespace module::test
