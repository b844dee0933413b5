// Layout per QEMU's docs/specs/fw_cfg.rst: selector 0x0000 is the signature, 0x0019 the file directory
// (big-endian count, then 64-byte entries: size, select, reserved, 56-byte name).
#include "boot/fw_cfg.h"

#include "arch/io.h"
#include "mm/direct_map.h"

namespace boot {

namespace {

constexpr uint16_t selector_port = 0x510, data_port = 0x511;
constexpr uint16_t select_signature = 0x0000, select_file_directory = 0x0019;
constexpr size_t directory_name_length = 56;
// Legacy items (docs/specs/fw_cfg.rst); their integers are little-endian.
constexpr uint16_t select_id = 0x0001, select_initrd_address = 0x000a, select_initrd_size = 0x000b,
                   select_initrd_data = 0x0012;
constexpr uint32_t id_dma_interface = 1u << 1;
constexpr uint16_t dma_address_high_port = 0x514, dma_address_low_port = 0x518;
constexpr uint32_t dma_control_error = 0x01, dma_control_read = 0x02, dma_control_select = 0x08;

// The DMA descriptor, all fields big-endian; it must sit in memory QEMU can reach by physical address.
struct DmaAccess {
    uint32_t control;
    uint32_t length;
    uint64_t address;
};
static_assert(sizeof(DmaAccess) == 16);
alignas(16) constinit DmaAccess dma_access{};

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
uint32_t read_little_endian32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value |= uint32_t(read_byte()) << (8 * i);
    return value;
}

bool has_signature() {
    select(select_signature);
    const char signature[] = "QEMU";
    for (int i = 0; i < 4; ++i)
        if (read_byte() != static_cast<uint8_t>(signature[i]))
            return false;
    return true;
}

uint32_t item32(uint16_t key) {
    select(key);
    return read_little_endian32();
}

// One DMA read of `length` bytes of item `key` to physical `destination`; QEMU finishes it before
// the triggering port write returns, so the loop only checks the outcome.
bool dma_read(uint16_t key, uint64_t destination, uint32_t length) {
    volatile DmaAccess& access = dma_access;
    access.control = __builtin_bswap32((uint32_t(key) << 16) | dma_control_select | dma_control_read);
    access.length = __builtin_bswap32(length);
    access.address = __builtin_bswap64(destination);
    uint64_t descriptor = reinterpret_cast<uint64_t>(&dma_access) - mm::kernel_virtual_base;
    asm volatile("" ::: "memory");
    arch::out32(dma_address_high_port, __builtin_bswap32(uint32_t(descriptor >> 32)));
    arch::out32(dma_address_low_port, __builtin_bswap32(uint32_t(descriptor)));
    uint32_t control;
    do
        control = __builtin_bswap32(access.control);
    while ((control & ~dma_control_error) != 0);
    return (control & dma_control_error) == 0;
}

} // namespace

ktl::ErrorOr<size_t> read_fw_cfg_file(ktl::StringView name, char* buffer, size_t capacity) {
    if (capacity == 0)
        return ktl::Errno::InvalidArgument;
    if (!has_signature())
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

ktl::ErrorOr<FwCfgInitrd> find_fw_cfg_initrd() {
    if (!has_signature())
        return ktl::Errno::NoDevice;
    FwCfgInitrd initrd{item32(select_initrd_address), item32(select_initrd_size)};
    if (initrd.physical_address == 0 || initrd.size == 0)
        return ktl::Errno::NoEntry;
    return initrd;
}

ktl::ErrorOr<void> copy_fw_cfg_initrd(const FwCfgInitrd& initrd, uint8_t* destination) {
    if (!has_signature())
        return ktl::Errno::NoDevice;
    if (item32(select_id) & id_dma_interface) {
        if (!dma_read(select_initrd_data, initrd.physical_address, static_cast<uint32_t>(initrd.size)))
            return ktl::Errno::IoError;
        return {};
    }
    select(select_initrd_data);
    for (uint64_t i = 0; i < initrd.size; ++i)
        destination[i] = read_byte();
    return {};
}

} // namespace boot
