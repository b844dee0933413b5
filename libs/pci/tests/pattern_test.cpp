// PciPattern: the seed's syntax (wildcards, number prefixes), the documented choices for short
// patterns and class masks, bad input as errors, and matching against functions.
#include "pci/pattern.h"

#include <gtest/gtest.h>

namespace {

using namespace pci;

Function e1000() {
    Function function;
    function.vendor_id = 0x8086;
    function.device_id = 0x100e;
    function.subsystem_vendor_id = 0x1af4;
    function.subsystem_id = 0x1100;
    function.class_code = 0x02;
    function.subclass = 0x00;
    function.prog_if = 0x00;
    return function;
}

Function pci_serial() {
    Function function;
    function.vendor_id = 0x1b36;
    function.device_id = 0x0002;
    function.subsystem_vendor_id = 0x1af4;
    function.subsystem_id = 0x1100;
    function.class_code = 0x07;
    function.subclass = 0x00;
    function.prog_if = 0x02;
    return function;
}

PciPattern parse(const char* text) {
    auto pattern = PciPattern::parse(text);
    EXPECT_FALSE(pattern.is_error()) << text;
    return pattern.is_error() ? PciPattern{} : pattern.release_value();
}

ktl::Errno parse_error(const char* text) {
    auto pattern = PciPattern::parse(text);
    EXPECT_TRUE(pattern.is_error()) << text;
    return pattern.is_error() ? pattern.error().code() : ktl::Errno{};
}

TEST(PciPattern, ParsesAllSixFieldsWithEveryPrefix) {
    PciPattern pattern = parse("0x8086 4110 0b1101011110100 0o10400 0x020000 0xffff00");
    EXPECT_EQ(pattern.vendor_id().value, 0x8086u);
    EXPECT_EQ(pattern.device_id().value, 4110u);
    EXPECT_EQ(pattern.subsystem_vendor_id().value, 0x1af4u);
    EXPECT_EQ(pattern.subsystem_id().value, 0x1100u);
    EXPECT_EQ(pattern.class_triple().value, 0x020000u);
    EXPECT_EQ(pattern.class_mask(), 0xffff00u);
    EXPECT_TRUE(pattern.matches(e1000()));
}

TEST(PciPattern, UppercasePrefixesAndHexDigits) {
    PciPattern pattern = parse("0X8086 0X100E 0B0 0O7");
    EXPECT_EQ(pattern.device_id().value, 0x100eu);
    EXPECT_EQ(pattern.subsystem_vendor_id().value, 0u);
    EXPECT_EQ(pattern.subsystem_id().value, 7u);
}

TEST(PciPattern, WildcardsMatchAnything) {
    PciPattern pattern = parse("* * * * * *");
    EXPECT_FALSE(pattern.vendor_id().present);
    EXPECT_TRUE(pattern.matches(e1000()));
    EXPECT_TRUE(pattern.matches(pci_serial()));
}

TEST(PciPattern, MissingTrailingFieldsAreWildcards) {
    PciPattern pattern = parse("0x8086 0x100e");
    EXPECT_FALSE(pattern.subsystem_vendor_id().present);
    EXPECT_FALSE(pattern.class_triple().present);
    EXPECT_TRUE(pattern.matches(e1000()));
    EXPECT_FALSE(pattern.matches(pci_serial()));
    EXPECT_TRUE(parse("0x1b36").matches(pci_serial()));
}

TEST(PciPattern, ExtraSpacesAndTabsSeparate) {
    PciPattern pattern = parse("  0x8086\t\t0x100e   *  ");
    EXPECT_EQ(pattern.device_id().value, 0x100eu);
    EXPECT_TRUE(pattern.matches(e1000()));
}

TEST(PciPattern, ClassWithoutMaskMatchesAllTwentyFourBits) {
    EXPECT_TRUE(parse("* * * * 0x070002").matches(pci_serial()));
    EXPECT_FALSE(parse("* * * * 0x070000").matches(pci_serial()));
    EXPECT_FALSE(parse("* * * * 0x070000 *").matches(pci_serial()));
}

TEST(PciPattern, ClassMaskSelectsClassOrSubclass) {
    // Any serial controller (class 07/00), whatever its programming interface.
    PciPattern serial = parse("* * * * 0x070000 0xffff00");
    EXPECT_TRUE(serial.matches(pci_serial()));
    EXPECT_FALSE(serial.matches(e1000()));
    // Any network controller (class 02).
    PciPattern network = parse("* * * * 0x020000 0xff0000");
    EXPECT_TRUE(network.matches(e1000()));
    EXPECT_FALSE(network.matches(pci_serial()));
}

TEST(PciPattern, MaskWithWildcardClassMatchesAnyClass) {
    EXPECT_TRUE(parse("0x8086 * * * * 0xff0000").matches(e1000()));
}

TEST(PciPattern, SubsystemIdsAreCompared) {
    EXPECT_TRUE(parse("* * 0x1af4 0x1100").matches(e1000()));
    EXPECT_FALSE(parse("* * 0x1af4 0x0004").matches(e1000()));
    EXPECT_FALSE(parse("* * 0x8086").matches(e1000()));
}

TEST(PciPattern, MalformedNumbersAreInvalid) {
    EXPECT_EQ(parse_error("0xzz"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("0x"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("0b102"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("0o8"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("8086h"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("-1"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("**"), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("0x8086 abcd"), ktl::Errno::InvalidArgument); // hex needs its prefix
}

TEST(PciPattern, EmptyOrTooManyFieldsAreInvalid) {
    EXPECT_EQ(parse_error(""), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("   \t "), ktl::Errno::InvalidArgument);
    EXPECT_EQ(parse_error("* * * * * * *"), ktl::Errno::InvalidArgument);
}

TEST(PciPattern, NumbersTooWideForTheirFieldAreOutOfRange) {
    EXPECT_EQ(parse_error("0x10000"), ktl::Errno::OutOfRange);
    EXPECT_EQ(parse_error("* 65536"), ktl::Errno::OutOfRange);
    EXPECT_EQ(parse_error("* * * * 0x1000000"), ktl::Errno::OutOfRange);
    EXPECT_EQ(parse_error("* * * * * 0x1000000"), ktl::Errno::OutOfRange);
    EXPECT_EQ(parse_error("99999999999999999999999999"), ktl::Errno::OutOfRange);
    EXPECT_FALSE(PciPattern::parse("0xffff 65535 * * 0xffffff 16777215").is_error());
}

TEST(PciPattern, LeadingZerosAreFine) {
    EXPECT_EQ(parse("0x0000008086").vendor_id().value, 0x8086u);
    EXPECT_EQ(parse("007").vendor_id().value, 7u);
}

} // namespace
