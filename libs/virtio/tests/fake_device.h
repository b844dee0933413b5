// A simulated virtio device for the host tests, without threads: a Transport whose registers are plain
// fields (modern or legacy), and a device side that, when told to run, consumes available entries the
// way a real device does (walks each chain, fills its writable buffers, publishes used entries). The
// "physical" addresses are host pointers. Tests also reach into the rings directly to play a malicious
// device.
#pragma once

#include "virtio/split_queue.h"
#include "virtio/transport.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace virtio::testing {

// Page-aligned, zeroed queue memory owned by the test.
class QueueBlock {
public:
    explicit QueueBlock(size_t bytes) : m_bytes((bytes + 4095) & ~size_t(4095)) {
        m_memory = static_cast<uint8_t*>(std::aligned_alloc(4096, m_bytes));
        std::memset(m_memory, 0, m_bytes);
    }
    ~QueueBlock() { std::free(m_memory); }
    QueueBlock(const QueueBlock&) = delete;
    QueueMemory memory() const { return {m_memory, reinterpret_cast<uint64_t>(m_memory), m_bytes}; }
    uint8_t* data() { return m_memory; }
    size_t size() const { return m_bytes; }

private:
    size_t m_bytes;
    uint8_t* m_memory;
};

inline uint64_t physical(const void* pointer) {
    return reinterpret_cast<uint64_t>(pointer);
}

// The device's view of one queue, from the addresses the driver gave.
struct DeviceQueue {
    QueueAddresses addresses;
    bool enabled = false;
    uint16_t last_available = 0; // the next available entry the device will take
    uint16_t used_index = 0;     // the device's own used index
    uint16_t vector = no_msix_vector;

    Descriptor* descriptors() const { return reinterpret_cast<Descriptor*>(addresses.descriptors); }
    uint16_t* available() const { return reinterpret_cast<uint16_t*>(addresses.driver_area); }
    uint16_t available_flags() const { return available()[0]; }
    uint16_t available_index() const { return __atomic_load_n(&available()[1], __ATOMIC_ACQUIRE); }
    uint16_t available_entry(uint16_t position) const { return available()[2 + position % addresses.size]; }
    uint16_t used_event() const { return available()[2 + addresses.size]; }
    uint16_t* used() const { return reinterpret_cast<uint16_t*>(addresses.device_area); }
    UsedElement* used_ring() const { return reinterpret_cast<UsedElement*>(used() + 2); }
    uint16_t* available_event() const { return reinterpret_cast<uint16_t*>(used_ring() + addresses.size); }

    // Publishes one used entry, as a device may: any id, any length.
    void push_used(uint32_t id, uint32_t length) {
        used_ring()[used_index % addresses.size] = {id, length};
        __atomic_store_n(&used()[1], ++used_index, __ATOMIC_RELEASE);
    }
    void set_used_index(uint16_t index) {
        used_index = index;
        __atomic_store_n(&used()[1], index, __ATOMIC_RELEASE);
    }
};

class FakeTransport : public Transport {
public:
    struct QueueConfig {
        uint16_t max_size = 0;
    };

    explicit FakeTransport(bool legacy = false) : m_legacy(legacy) {}

    // Device setup.
    uint64_t offered_features = feature::version_1;
    bool keeps_features_ok = true;
    bool resets = true; // false: status never reads 0 after a reset
    bool accepts_vectors = true;
    std::vector<uint16_t> queue_sizes{8};
    std::vector<uint8_t> config; // device configuration bytes
    uint8_t generation = 0;
    // Called before each config byte read (to model a device changing config under the driver).
    std::function<void()> on_config_read;

    // What the driver did.
    std::vector<uint8_t> status_writes;
    uint64_t driver_features = 0;
    bool driver_features_written = false;
    std::map<uint16_t, DeviceQueue> queues;
    std::vector<uint16_t> notifications;
    uint16_t config_vector = no_msix_vector;
    uint8_t isr = 0;

    bool is_legacy() const override { return m_legacy; }
    uint8_t read_status() override { return m_status; }
    void write_status(uint8_t value) override {
        status_writes.push_back(value);
        if (value == 0) {
            if (resets)
                reset_device();
            return;
        }
        if (!keeps_features_ok)
            value &= static_cast<uint8_t>(~status::features_ok);
        m_status = value;
    }
    uint64_t read_device_features() override {
        return m_legacy ? offered_features & 0xffffffffu : offered_features;
    }
    void write_driver_features(uint64_t value) override {
        driver_features = value;
        driver_features_written = true;
    }
    uint16_t queue_count() override { return static_cast<uint16_t>(queue_sizes.size()); }
    uint16_t queue_max_size(uint16_t index) override {
        return index < queue_sizes.size() ? queue_sizes[index] : 0;
    }
    ktl::ErrorOr<void> enable_queue(uint16_t index, const QueueAddresses& addresses) override {
        if (m_legacy && (addresses.driver_area != addresses.descriptors + 16u * addresses.size ||
                         addresses.descriptors % 4096 != 0))
            return ktl::Errno::InvalidArgument;
        DeviceQueue& queue = queues[index];
        queue.addresses = addresses;
        queue.enabled = true;
        return {};
    }
    void notify(uint16_t index) override { notifications.push_back(index); }
    uint8_t read_isr() override {
        uint8_t value = isr;
        isr = 0;
        return value;
    }
    uint16_t set_config_vector(uint16_t vector) override {
        config_vector = accepts_vectors ? vector : no_msix_vector;
        return config_vector;
    }
    uint16_t set_queue_vector(uint16_t index, uint16_t vector) override {
        queues[index].vector = accepts_vectors ? vector : no_msix_vector;
        return queues[index].vector;
    }
    uint32_t device_config_size() override { return static_cast<uint32_t>(config.size()); }
    uint8_t read_config_generation() override { return generation; }
    uint8_t read_device_config8(uint32_t offset) override {
        if (on_config_read)
            on_config_read();
        return offset < config.size() ? config[offset] : 0xff;
    }
    uint16_t read_device_config16(uint32_t offset) override {
        return static_cast<uint16_t>(read_device_config8(offset) | read_device_config8(offset + 1) << 8);
    }
    uint32_t read_device_config32(uint32_t offset) override {
        return read_device_config16(offset) | uint32_t(read_device_config16(offset + 2)) << 16;
    }
    void write_device_config8(uint32_t offset, uint8_t value) override {
        if (offset < config.size())
            config[offset] = value;
    }
    void write_device_config16(uint32_t offset, uint16_t value) override {
        write_device_config8(offset, uint8_t(value));
        write_device_config8(offset + 1, uint8_t(value >> 8));
    }
    void write_device_config32(uint32_t offset, uint32_t value) override {
        write_device_config16(offset, uint16_t(value));
        write_device_config16(offset + 2, uint16_t(value >> 16));
    }

    uint8_t status() const { return m_status; }

private:
    void reset_device() {
        m_status = 0;
        queues.clear();
        driver_features = 0;
        config_vector = no_msix_vector;
    }

    bool m_legacy;
    uint8_t m_status = 0x7f; // whatever firmware left
};

// What a well-behaved device does with one request: reads the readable part, writes `fill` bytes into
// the writable part (at most `limit` bytes in all), and returns how much it wrote.
struct ProcessedRequest {
    uint16_t head = 0;
    std::vector<uint8_t> readable; // the bytes the device read
    uint32_t written = 0;
};

// Takes up to `max_requests` available entries of `queue` and completes them in order, filling the
// writable buffers with consecutive values of `*counter` (so every byte written is known). Follows at
// most `size` descriptors per chain. Returns what it did.
inline std::vector<ProcessedRequest> process(DeviceQueue& queue, size_t max_requests, uint8_t* counter,
                                             bool complete = true) {
    std::vector<ProcessedRequest> done;
    while (done.size() < max_requests && queue.last_available != queue.available_index()) {
        ProcessedRequest request;
        request.head = queue.available_entry(queue.last_available++);
        uint16_t current = request.head;
        for (uint16_t step = 0; step < queue.addresses.size; ++step) {
            const Descriptor& descriptor = queue.descriptors()[current];
            auto* buffer = reinterpret_cast<uint8_t*>(descriptor.address);
            if (descriptor.flags & descriptor_flag::write) {
                for (uint32_t i = 0; i < descriptor.length; ++i)
                    buffer[i] = (*counter)++;
                request.written += descriptor.length;
            } else {
                request.readable.insert(request.readable.end(), buffer, buffer + descriptor.length);
            }
            if (!(descriptor.flags & descriptor_flag::next))
                break;
            current = descriptor.next;
        }
        if (complete)
            queue.push_used(request.head, request.written);
        done.push_back(std::move(request));
    }
    return done;
}

} // namespace virtio::testing
