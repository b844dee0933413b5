# blog_os: the two commands that matter are `make run` and `make test`; everything else is a helper.
# Builds go to build/$(PROFILE) through CMake + Ninja.

PROFILE ?= debug
ARGS ?=
BUILD_DIR := build/$(PROFILE)
CMAKE_BUILD_TYPE := $(if $(filter release,$(PROFILE)),Release,Debug)
RUNNER := $(BUILD_DIR)/tools/runner/runner
ISO := $(BUILD_DIR)/blog_os.iso
KERNEL := $(BUILD_DIR)/kernel/kernel.elf

# Debian 12 packages the build, the image and the tests need (the last line: `make docs` and its test).
PACKAGES := cmake ninja-build g++ binutils libgtest-dev libbenchmark-dev gdb clang-format qemu-system-x86 ovmf grub-common \
	grub-pc-bin grub-efi-amd64-bin xorriso mtools console-setup-linux cpio \
	clang lld musl-dev musl-tools busybox-static pci.ids e2fsprogs fdisk gdisk qemu-utils \
	doxygen pandoc wkhtmltopdf poppler-utils

# make bench: the release build against Debian's Linux in the same QEMU (docs/benchmarks.md).
BENCH_RUNS ?= 3
BENCH_BUILD_DIR := build/release
BENCH_PACKAGES := gnuplot-nox e2fsprogs
BENCH_DOCS ?=
# The disk metrics (an ext2 disk per boot, docs/benchmarks.md); BENCH_DISK= (empty) leaves them out.
BENCH_DISK ?= 1

.PHONY: all build run test gdb docs format clean packages bench root-disk

all: build

# Installs what is missing when run as root; otherwise prints the one command to run and stops.
packages:
	@missing=$$(for p in $(PACKAGES) $(EXTRA_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing missing Debian packages:" $$missing; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Missing Debian packages. Run:"; \
			echo "  sudo apt-get install --no-install-recommends" $$missing; \
			exit 1; \
		fi; \
	fi

$(BUILD_DIR)/build.ninja: CMakeLists.txt | packages
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)
	ln -sf $(BUILD_DIR)/compile_commands.json compile_commands.json

build: packages $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

# make run attaches a disk of its own, made once and kept: init mounts it on /mnt (userland/etc/fstab),
# so files kept there outlive the boot. DISK= (empty) boots without one.
DISK ?= $(BUILD_DIR)/disk.img
DISK_MIB ?= 256

$(BUILD_DIR)/disk.img:
	@mkdir -p $(dir $@)
	tools/mkdisk/mkdisk.sh --size=$(DISK_MIB) --label=blog_os-data $@

# The user tree on an ext2 disk, made afresh, to boot from instead of the initrd:
# make root-disk && make run DISK=build/debug/root-disk.img ARGS=--cmdline=root=/dev/vda
root-disk: build
	tools/mkdisk/mkdisk.sh --from=$(BUILD_DIR)/userland-root $(BUILD_DIR)/root-disk.img

run: build $(DISK)
	$(RUNNER) --iso=$(ISO) --kernel=$(KERNEL) --serial-log=$(BUILD_DIR)/serial.log $(if $(DISK),--disk=$(DISK),) $(ARGS)

gdb: build
	$(RUNNER) --iso=$(ISO) --kernel=$(KERNEL) --serial-log=$(BUILD_DIR)/serial.log --gdb $(ARGS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $$(nproc)

# Boots /bin/bench as /init on blog_os and on Debian's Linux (fetched once into build/linux), BENCH_RUNS
# times each, alternating, both loaded by QEMU itself (-kernel); results in build/bench.
# BENCH_DOCS=1 also updates docs/benchmarks.md; BENCH_DISK= leaves the disk metrics out.
bench:
	@$(MAKE) --no-print-directory packages EXTRA_PACKAGES="$(BENCH_PACKAGES)"
	@[ -f $(BENCH_BUILD_DIR)/build.ninja ] || cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BENCH_BUILD_DIR) --target iso userland runner bench_tool
	linux=$$(tools/bench/fetch-linux.sh build/linux) && \
	$(BENCH_BUILD_DIR)/tools/bench/bench --runner=$(BENCH_BUILD_DIR)/tools/runner/runner \
		--kernel=$(BENCH_BUILD_DIR)/kernel/kernel.elf --linux=$$linux \
		--program=$(BENCH_BUILD_DIR)/userland-root/bin/bench --tree=$(BENCH_BUILD_DIR)/userland-root \
		--out=build/bench --runs=$(BENCH_RUNS) --linux-modules=build/linux/modules \
		$(if $(BENCH_DISK),--disk-mib=256) $(if $(BENCH_DOCS),--docs=docs/benchmarks.md)

# API reference (Doxygen) and the README + docs/ book as HTML and PDF, in build/docs (docs/documentation.md).
docs: packages
	tools/docs/build-docs build/docs

format:
	find kernel libs tools tests userland -name '*.cpp' -o -name '*.h' 2>/dev/null | xargs clang-format -i

clean:
	rm -rf build compile_commands.json
