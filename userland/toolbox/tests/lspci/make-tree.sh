#!/bin/sh
# Builds a sysfs tree as Linux lays it out from a recording made by record.sh: DIR/devices/pci0000:00/…
# holds each function's files (vendor, …, config, a driver link), DIR/bus/pci/devices/<address> links
# to it, DIR/bus/pci/drivers/<name> exists. DIR plays /sys. Usage: make-tree.sh RECORDING DIR
set -eu
recording=$1
root=$2
devices="$root/bus/pci/devices"
mkdir -p "$devices"
device= file= in_config=
while IFS= read -r line; do
    case $line in
    "DEVICE "*)
        name=${line#DEVICE }
        device= file= in_config= ;;
    "LINK "*)
        # Relative to bus/pci/devices, as in Linux: ../../../devices/pci0000:00/0000:00:04.0
        mkdir -p "$devices/${line#LINK }"
        ln -s "${line#LINK }" "$devices/$name"
        device="$devices/$name" ;;
    "FILE "*)
        file="$device/${line#FILE }"
        : > "$file"
        in_config= ;;
    CONFIG)
        file= in_config=1
        : > "$device/config" ;;
    "DRIVER "*)
        ln -s "${line#DRIVER }" "$device/driver"
        mkdir -p "$device/${line#DRIVER }"
        file= in_config= ;;
    *)
        if [ -n "$in_config" ]; then
            escaped=
            for byte in $line; do escaped="$escaped\\$(printf '%03o' "0x$byte")"; done
            printf "$escaped" >> "$device/config"
        elif [ -n "$file" ]; then
            printf '%s\n' "$line" >> "$file"
        fi ;;
    esac
done < "$recording"
