// Layout per QEMU's docs/specs/fw_cfg.rst: selector 0x0000 is the signature, 0x0019 the file directory
// (big-endian count, then 64-byte entries: size, select, reserved, 56-byte name).
#include "boot/fw_cfg.h"

#include "arch/io.h"

namespace boot {

namespace {

constexpr uint16_t selector_port = 0x510, data_port = 0x511;
constexpr uint16_t select_signature = 0x0000, select_file_directory = 0x0019;
constexpr size_t directory_name_length = 56;

void select(uint16_t key) {
    arch::out16(selector_port, key);
}
uint8_t read_byte() {
    return arch::in8(data_port);
}

uint32_t read_big_endian32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value = (value << 8) | read_byte();
    return value;
}
uint16_t read_big_endian16() {
    uint16_t high = read_byte();
    return static_cast<uint16_t>((high << 8) | read_byte());
}

} // namespace

ktl::ErrorOr<size_t> read_fw_cfg_file(ktl::StringView name, char* buffer, size_t capacity) {
    if (capacity == 0)
        return ktl::Errno::InvalidArgument;
    select(select_signature);
    const char signature[] = "QEMU";
    for (int i = 0; i < 4; ++i)
        if (read_byte() != static_cast<uint8_t>(signature[i]))
            return ktl::Errno::NoDevice;

    select(select_file_directory);
    uint32_t count = read_big_endian32();
    // QEMU has a few dozen files; a huge count means we are not talking to QEMU's fw_cfg.
    if (count > 4096)
        return ktl::Errno::NoDevice;
    for (uint32_t entry = 0; entry < count; ++entry) {
        uint32_t size = read_big_endian32();
        uint16_t key = read_big_endian16();
        (void)read_big_endian16();
        char entry_name[directory_name_length];
        for (char& character : entry_name)
            character = static_cast<char>(read_byte());
        entry_name[directory_name_length - 1] = '\0';
        if (ktl::StringView(entry_name) != name)
            continue;
        select(key);
        size_t stored = size < capacity - 1 ? size : capacity - 1;
        for (size_t i = 0; i < stored; ++i)
            buffer[i] = static_cast<char>(read_byte());
        buffer[stored] = '\0';
        return stored;
    }
    return ktl::Errno::NoEntry;
}

} // namespace boot
