#include "virtio/device.h"

namespace virtio {

ktl::ErrorOr<void> Device::reset() {
    m_transport.write_status(0);
    for (uint32_t attempt = 0; attempt < reset_poll_limit; ++attempt) {
        if (m_transport.read_status() == 0) {
            m_state = DeviceState::Reset;
            m_features = 0;
            return {};
        }
    }
    m_state = DeviceState::Failed;
    return ktl::Errno::TimedOut;
}

void Device::add_status(uint8_t bits) {
    // Read-modify-write, as the spec says: never clear a bit the driver set before.
    m_transport.write_status(static_cast<uint8_t>(m_transport.read_status() | bits));
}

void Device::fail() {
    add_status(status::failed);
    m_state = DeviceState::Failed;
}

ktl::ErrorOr<uint64_t> Device::negotiate(uint64_t wanted, uint64_t required) {
    TRY(reset());
    m_transport.write_status(status::acknowledge);
    m_transport.write_status(status::acknowledge | status::driver);
    uint64_t offered = m_transport.read_device_features();
    bool legacy = m_transport.is_legacy();
    if (legacy) {
        offered &= 0xffffffffu; // a legacy interface has no upper half
    } else {
        if ((offered & feature::version_1) == 0) {
            fail();
            return ktl::Errno::NotSupported;
        }
        wanted |= feature::version_1;
    }
    uint64_t accepted = offered & wanted;
    if ((accepted & required) != required) {
        fail();
        return ktl::Errno::NotSupported;
    }
    m_transport.write_driver_features(accepted);
    if (!legacy) {
        add_status(status::features_ok);
        if ((m_transport.read_status() & status::features_ok) == 0) {
            fail();
            return ktl::Errno::NotSupported;
        }
    }
    m_features = accepted;
    m_state = DeviceState::Negotiated;
    return accepted;
}

ktl::ErrorOr<uint16_t> Device::choose_queue_size(uint16_t index, uint16_t preferred) {
    if (m_state != DeviceState::Negotiated)
        return ktl::Errno::InvalidArgument;
    if (index >= m_transport.queue_count())
        return ktl::Errno::NoEntry;
    uint16_t maximum = m_transport.queue_max_size(index);
    if (maximum == 0)
        return ktl::Errno::NoEntry;
    if (m_transport.is_legacy()) {
        if ((maximum & (maximum - 1)) != 0 || maximum > max_queue_size)
            return ktl::Errno::InvalidArgument;
        return maximum;
    }
    uint16_t size = maximum < preferred ? maximum : preferred;
    if (size > max_queue_size)
        size = max_queue_size;
    if (size == 0)
        return ktl::Errno::InvalidArgument;
    while ((size & (size - 1)) != 0)
        size = static_cast<uint16_t>(size & (size - 1)); // drop low bits down to the top one
    return size;
}

ktl::ErrorOr<void> Device::enable_queue(SplitQueue& queue, uint16_t msix_vector) {
    if (m_state != DeviceState::Negotiated)
        return ktl::Errno::InvalidArgument;
    if (queue.size() == 0 || queue.index() >= m_transport.queue_count())
        return ktl::Errno::InvalidArgument;
    uint16_t maximum = m_transport.queue_max_size(queue.index());
    if (queue.size() > maximum || (m_transport.is_legacy() && queue.size() != maximum))
        return ktl::Errno::InvalidArgument;
    if (msix_vector != no_msix_vector &&
        m_transport.set_queue_vector(queue.index(), msix_vector) != msix_vector)
        return ktl::Errno::IoError;
    return m_transport.enable_queue(queue.index(), queue.addresses());
}

ktl::ErrorOr<void> Device::set_config_vector(uint16_t msix_vector) {
    if (m_state != DeviceState::Negotiated)
        return ktl::Errno::InvalidArgument;
    if (m_transport.set_config_vector(msix_vector) != msix_vector)
        return ktl::Errno::IoError;
    return {};
}

ktl::ErrorOr<void> Device::start() {
    if (m_state != DeviceState::Negotiated)
        return ktl::Errno::InvalidArgument;
    add_status(status::driver_ok);
    if (needs_reset()) {
        fail();
        return ktl::Errno::IoError;
    }
    m_state = DeviceState::Live;
    return {};
}

bool Device::needs_reset() {
    return (m_transport.read_status() & status::device_needs_reset) != 0;
}

ktl::ErrorOr<void> Device::read_config(uint32_t offset, void* buffer, size_t length) {
    uint32_t size = m_transport.device_config_size();
    if (offset > size || length > size - offset)
        return ktl::Errno::OutOfRange;
    auto* out = static_cast<uint8_t*>(buffer);
    for (int attempt = 0; attempt < 64; ++attempt) {
        uint8_t before = m_transport.read_config_generation();
        // Fields are read at their own width (the spec requires it): one call per field.
        for (size_t i = 0; i < length;) {
            uint32_t at = static_cast<uint32_t>(offset + i);
            if (at % 4 == 0 && length - i >= 4) {
                uint32_t value = m_transport.read_device_config32(at);
                __builtin_memcpy(out + i, &value, 4);
                i += 4;
            } else if (at % 2 == 0 && length - i >= 2) {
                uint16_t value = m_transport.read_device_config16(at);
                __builtin_memcpy(out + i, &value, 2);
                i += 2;
            } else {
                out[i++] = m_transport.read_device_config8(at);
            }
        }
        if (m_transport.read_config_generation() == before)
            return {};
    }
    return ktl::Errno::IoError;
}

} // namespace virtio
