// Character devices in sysfs, as Linux's device classes show them: /sys/class/CLASS/NAME and
// /sys/dev/char/MAJOR:MINOR, each a link to the device's directory (under its parent device, or
// /sys/devices/virtual/CLASS/), which holds `dev` ("4:64") and a `uevent` with MAJOR, MINOR and
// DEVNAME, what busybox's mdev and udev read to make /dev nodes.
#pragma once

namespace device {

// Follows fs::register_character_device from now on, and adds what is already registered.
void start_device_classes();

} // namespace device
