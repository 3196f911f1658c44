# The one entry point. `make run` boots the kernel in QEMU on this terminal; `make test`
# builds and runs every test. Settings work as make variables or environment variables.

MEM       ?= 256M
BUILD     ?= build
EXTRA_BIN ?=
SWAP      ?= 256M
DEMO_GUESTS   ?= 6
DEMO_GUEST_MB ?= 64
DEMO_MITIGATION ?= off
DEMO_READ_EVERY ?= 2
QEMU_CPU  ?= qemu64
RUNS      ?= 3
WORKLOAD  ?= all

CC      := gcc
NASM    := nasm
LD      := ld
PYTHON  := python3

# Kernel sources, by folder (docs/architecture.md); every #include names its folder from
# the one include root, the top of the tree.
KERNEL_DIRS := lib kernel mm mm/selftest fs drivers drivers/selftest shell arch-x86_64
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -mno-red-zone -mgeneral-regs-only \
	-mcmodel=kernel -nostdlib \
	-fno-builtin-memcpy -fno-builtin-memset -fno-tree-loop-distribute-patterns \
	-iquote . -MMD -MP
KLDFLAGS := -nostdlib -static -n -z max-page-size=0x1000 --build-id=none --no-warn-rwx-segments -T linker.ld

# DEBUG=1: the debug kernel, in $(BUILD)/debug: lock-order and sleeping-lock checks
# (kernel/lockdep.h) and the hooks tests use to seed bugs (TEST_HOOKS: the command line's
# tlb_skip_shootdown). The boot tests run it; run, bench and demo the release kernel.
DEBUG ?=
ifeq ($(DEBUG),1)
override BUILD := $(BUILD)/debug
KCFLAGS += -DLOCK_DEBUG -DTEST_HOOKS
endif
DEBUG_BUILD := $(if $(filter 1,$(DEBUG)),$(BUILD),$(BUILD)/debug)

KSRC_C   := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c))
KSRC_ASM := $(wildcard boot/*.asm arch-x86_64/*.asm)
# LAYOUT_PAD=KIB links KIB KiB of filler first in .text, so every function, and all that
# follows the code in the image and in RAM, moves: the layout bench's second kernel
# (make layout-bench builds it in $(BUILD)/layout-pad). Empty: the normal kernel.
LAYOUT_PAD ?=
KOBJS    := $(if $(LAYOUT_PAD),$(BUILD)/layout-pad.o) \
	$(KSRC_C:%.c=$(BUILD)/%.o) $(KSRC_ASM:%.asm=$(BUILD)/%.asm.o) $(BUILD)/arch-x86_64/vdso_image.o

KERNEL := $(BUILD)/kernel.elf
ISO    := $(BUILD)/kernel.iso
INITRD := $(BUILD)/initrd.cpio

# QEMU, ACCEL (default tcg), QEMU_MACHINE, EXIT_POWEROFF, EXIT_PANIC: one definition,
# shared with the boot tests, bench and demo (tests/boot/machine.py reads it too).
include qemu.mk
QEMU_FLAGS = $(QEMU_MACHINE) -accel $(ACCEL) -m $(MEM) -smp $(SMP)
export SMP # the boot tests' machines take it from the environment (tests/boot/machine.py)

.PHONY: all iso kernel run run-pvh test unit-test check boot-test bench layout-bench demo plot stress clean deps FORCE \
	linux-selftests linux-selftests-initrd compare conformance
# A plain `make` installs the missing tools first, like make run and make test.
all: deps
	@$(MAKE) --no-print-directory iso
iso: $(ISO)
kernel: $(KERNEL)

# ---- tools: install what is missing (Debian package names) ----
TOOLS := gcc:gcc ld:binutils nasm:nasm grub-mkrescue:grub-common xorriso:xorriso \
	mformat:mtools qemu-system-x86_64:qemu-system-x86 python3:python3 cpio:cpio \
	musl-gcc:musl-tools gnuplot:gnuplot-nox
deps:
	@missing=""; \
	for t in $(TOOLS); do \
		command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; \
	done; \
	[ -d /usr/lib/grub/i386-pc ] || missing="$$missing grub-pc-bin"; \
	[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing="$$missing libc6-dev"; \
	[ -x /sbin/mkswap ] || missing="$$missing util-linux"; \
	{ [ -x $(BUSYBOX) ] && ! readelf -l $(BUSYBOX) 2>/dev/null | grep -q interpreter; } || \
		missing="$$missing busybox-static"; \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing || exit 1; \
	fi

# ---- kernel ----
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.asm.o: %.asm Makefile
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf $< -o $@

# The vDSO (arch-x86_64/vdso/): a user-mode shared object with no relocations, embedded in
# the kernel's read-only data by vdso_image.S.
VDSO_SO := $(BUILD)/arch-x86_64/vdso/vdso.so
VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -fPIC -shared -nostdlib -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -iquote . \
	-Wl,-T,arch-x86_64/vdso/vdso.lds -Wl,--hash-style=both -Wl,-soname=linux-vdso.so.1 \
	-Wl,--no-undefined -Wl,--build-id=none
$(VDSO_SO): arch-x86_64/vdso/vdso.c arch-x86_64/vdso/vdso_data.h arch-x86_64/vdso/vdso.lds Makefile
	@mkdir -p $(dir $@)
	$(CC) $(VDSO_CFLAGS) -o $@ $<
	@if readelf -r $@ | grep -q R_X86_64; then echo "$@ needs relocations"; rm $@; exit 1; fi
$(BUILD)/arch-x86_64/vdso_image.o: arch-x86_64/vdso_image.S $(VDSO_SO)
	$(CC) -c -I $(dir $(VDSO_SO)) $< -o $@

# The filler: int3 bytes (a stray jump into them traps) under a symbol of their own, so
# no function's name covers them. Its size is recorded: changing LAYOUT_PAD rebuilds it.
$(BUILD)/layout-pad.txt: FORCE
	@mkdir -p $(BUILD)
	@echo "$(LAYOUT_PAD)" | cmp -s - $@ || echo "$(LAYOUT_PAD)" > $@
$(BUILD)/layout-pad.o: $(BUILD)/layout-pad.txt
	printf '\t.section .note.GNU-stack, "", @progbits\n\t.text\n\t.globl layout_pad\nlayout_pad:\n\t.fill %d, 1, 0xcc\n' \
		$$(( $(LAYOUT_PAD) * 1024 )) > $(BUILD)/layout-pad.S
	$(CC) -c $(BUILD)/layout-pad.S -o $@

# Two links: the first without symbols, the second with the symbol table generated from
# the first at the end of .rodata (no function moves, see kernel/ksyms.c).
$(KERNEL): $(KOBJS) linker.ld kernel/gen-ksyms.sh
	sh kernel/gen-ksyms.sh > $(BUILD)/ksyms0.S
	$(CC) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(LD) $(KLDFLAGS) -o $(BUILD)/kernel.pass1.elf $(KOBJS) $(BUILD)/ksyms0.o
	sh kernel/gen-ksyms.sh $(BUILD)/kernel.pass1.elf > $(BUILD)/ksyms.S
	$(CC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms.o

# ---- user programs (static musl binaries, ring 3) ----
USER_SRC  := $(wildcard user/*.c)
USER_BINS := $(USER_SRC:user/%.c=$(BUILD)/user/%) $(BUILD)/user/hello-pie \
	     $(BUILD)/user/threadtest-glibc $(BUILD)/user/vdsocount-glibc
$(BUILD)/user/%: user/%.c $(wildcard user/*.h include/uapi/*.h)
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -Wall -o $@ $<
# The same program as a glibc static-PIE (Debian's musl-gcc cannot link one): the loader
# must place it at its load bias, and glibc's start-up must find what it needs.
$(BUILD)/user/hello-pie: user/hello.c
	@mkdir -p $(dir $@)
	gcc -static-pie -O2 -Wall -o $@ $<
# Programs again as glibc static binaries: threadtest with glibc's threads (clone3 first,
# then clone; its own futex use), vdsocount with glibc's vDSO lookup.
$(BUILD)/user/%-glibc: user/%.c user/selfcheck.h
	@mkdir -p $(dir $@)
	gcc -static -pthread -O2 -Wall -o $@ $<

# ---- initramfs: user/ programs, busybox and its applets, and EXTRA_BIN in /bin ----
BUSYBOX := /bin/busybox
# EXTRA_BIN is recorded so that changing it rebuilds the archive.
$(BUILD)/extra-bin.txt: FORCE
	@mkdir -p $(BUILD)
	@echo "$(EXTRA_BIN)" | cmp -s - $@ || echo "$(EXTRA_BIN)" > $@
# (Without EXTRA_BIN, $(wildcard $(EXTRA_BIN)/*) would be every entry of /, /tmp among them,
# and the archive and ISO would be rebuilt by every make.)
$(INITRD): $(USER_BINS) $(BUILD)/extra-bin.txt $(if $(EXTRA_BIN),$(wildcard $(EXTRA_BIN)/*)) $(BUSYBOX)
	@rm -rf $(BUILD)/initrd && mkdir -p $(BUILD)/initrd/bin
	cp $(USER_BINS) $(BUILD)/initrd/bin/
	cp $(BUSYBOX) $(BUILD)/initrd/bin/busybox
	@cd $(BUILD)/initrd/bin && for a in $$($(BUSYBOX) --list); do \
		[ -e $$a ] || ln -s busybox $$a; done
	@# fixtures for the loader's refusals: a text file, a cut ELF, an ELF for another CPU
	@mkdir -p $(BUILD)/initrd/test
	@printf 'not an executable\n' > $(BUILD)/initrd/test/notelf
	@head -c 600 $(BUILD)/user/hello > $(BUILD)/initrd/test/truncated
	@cp $(BUILD)/user/hello $(BUILD)/initrd/test/i386
	@printf '\003' | dd of=$(BUILD)/initrd/test/i386 bs=1 seek=18 conv=notrunc status=none
	@chmod +x $(BUILD)/initrd/test/*
	@if [ -n "$(EXTRA_BIN)" ]; then cp -r $(EXTRA_BIN)/. $(BUILD)/initrd/bin/; fi
	cd $(BUILD)/initrd && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet > ../initrd.cpio

# The initramfs plus LAYOUT_FILLER_MB MiB of data in /filler (make layout-bench): moves
# what the kernel allocates after it at boot.
LAYOUT_FILLER_MB ?= 16
$(BUILD)/initrd-filler.cpio: $(INITRD) Makefile
	@rm -rf $(BUILD)/initrd-filler && cp -a $(BUILD)/initrd $(BUILD)/initrd-filler
	@mkdir -p $(BUILD)/initrd-filler/filler
	yes 'initramfs filler, not a program' | head -c $(LAYOUT_FILLER_MB)M > $(BUILD)/initrd-filler/filler/data
	cd $(BUILD)/initrd-filler && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet > ../$(notdir $@)

# ---- Linux's own KSM selftests (unmodified, static; see tests/boot/linux_selftests.py) ----
LINUX_SELFTESTS ?= ../shared/linux-selftests
export LINUX_SELFTESTS
LST_BUILD  := $(BUILD)/linux-selftests
LST_BINS   := ksm_tests ksm_functional_tests merge rmap
LST_INITRD := $(BUILD)/initrd-selftests.cpio
# Present only where the sources are: make test then runs them too.
LST_IF_PRESENT := $(if $(wildcard $(LINUX_SELFTESTS)/build-linux-selftests.sh),$(LST_INITRD))
$(LST_BUILD)/ksm_tests: $(wildcard $(LINUX_SELFTESTS)/build-linux-selftests.sh $(LINUX_SELFTESTS)/src/tools/testing/selftests/*.h $(LINUX_SELFTESTS)/src/tools/testing/selftests/mm/*)
	sh $(LINUX_SELFTESTS)/build-linux-selftests.sh $(abspath $(LST_BUILD)) >$(BUILD)/linux-selftests.log 2>&1 || \
		{ cat $(BUILD)/linux-selftests.log; exit 1; }
# The initramfs of make test, plus the four programs in /bin.
$(LST_INITRD): $(INITRD) $(LST_BUILD)/ksm_tests
	@rm -rf $(BUILD)/initrd-selftests && cp -a $(BUILD)/initrd $(BUILD)/initrd-selftests
	cp $(addprefix $(LST_BUILD)/,$(LST_BINS)) $(BUILD)/initrd-selftests/bin/
	cd $(BUILD)/initrd-selftests && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet > ../$(notdir $@)
linux-selftests-initrd: $(LST_IF_PRESENT)

# ---- GRUB ISO ----
$(ISO): $(KERNEL) $(INITRD) boot/grub.cfg
	@rm -rf $(BUILD)/isoroot && mkdir -p $(BUILD)/isoroot/boot/grub
	cp $(KERNEL) $(INITRD) $(BUILD)/isoroot/boot/
	cp boot/grub.cfg $(BUILD)/isoroot/boot/grub/
	grub-mkrescue -o $@ --install-modules="multiboot2 normal iso9660 biosdisk" \
		--locales= --fonts= --themes= $(BUILD)/isoroot >$(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

# ---- tests ----
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-unused-function \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-DHOST_TEST -iquote tests/unit/stubs -iquote tests/unit -iquote .
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

$(BUILD)/unit/%: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP $< -o $@

unit-test: $(UNIT_TESTS)
	@$(PYTHON) tests/summary.py $(foreach t,$(UNIT_TESTS),"$(t)")

# The layering rules (docs/architecture.md, "Layers"), checked on the sources.
LAYER_CHECK := $(PYTHON) tests/check_layers.py
check:
	@$(LAYER_CHECK)

BOOT_TEST := $(PYTHON) tests/boot/run.py --build $(DEBUG_BUILD)
boot-test: deps
	@$(MAKE) --no-print-directory DEBUG=1 iso linux-selftests-initrd
	@$(BOOT_TEST) $(T)

# Boot tests on the debug kernel, Linux's selftests on the release one (linux_selftests.py).
test: deps
	@$(MAKE) --no-print-directory $(UNIT_TESTS) $(KERNEL) linux-selftests-initrd
	@$(MAKE) --no-print-directory DEBUG=1 iso
	@LINUX_SELFTESTS_BUILD=$(BUILD) $(PYTHON) tests/summary.py $(foreach t,$(UNIT_TESTS),"$(t)") \
		"$(LAYER_CHECK)" "$(BOOT_TEST)"

# Linux's KSM selftests alone, with a table of results (README: "Linux's own selftests").
linux-selftests: deps
	@$(MAKE) --no-print-directory $(KERNEL) linux-selftests-initrd
	@$(PYTHON) tests/boot/linux_selftests.py --build $(BUILD)

# The long runs (a million hostile system calls): not part of make test.
stress: deps
	@$(MAKE) --no-print-directory DEBUG=1 iso
	@$(BOOT_TEST) --stress $(T)

# Benchmarks under TCG (README: "Figures"): key=value lines; then the layout bench.
bench: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(INITRD)
	@$(PYTHON) tests/bench/run.py --build $(BUILD) --plots $(BUILD)/plots
	@$(MAKE) --no-print-directory layout-bench

# The layout bench (README: "Figures"): ksmd's cost on one workload, on kernels and
# initramfs that differ only in where things land; key=value lines per build.
LAYOUT_PAD_KIB   ?= 200
LAYOUT_RUNS      ?= 2
LAYOUT_PAD_BUILD := $(BUILD)/layout-pad
# (with DEBUG=1 the sub-make puts the padded debug kernel one level further down)
LAYOUT_PAD_OUT   := $(LAYOUT_PAD_BUILD)$(if $(filter 1,$(DEBUG)),/debug)
layout-bench: deps
	@$(MAKE) --no-print-directory $(ISO) $(BUILD)/initrd-filler.cpio
	@$(MAKE) --no-print-directory BUILD=$(LAYOUT_PAD_BUILD) LAYOUT_PAD=$(LAYOUT_PAD_KIB) kernel
	@$(PYTHON) tests/bench/layout.py --build $(BUILD) --pad-build $(LAYOUT_PAD_OUT) \
		--filler-initrd $(BUILD)/initrd-filler.cpio --runs $(LAYOUT_RUNS)

# Side by side with Debian's Linux 6.1 on the same binaries and QEMU machine (README:
# "Figures"; docs/compare.md): fetches the Linux kernel into $(BUILD)/compare/ once.
compare: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(INITRD)
	@$(PYTHON) tests/compare/run.py --build $(BUILD) --cpu $(QEMU_CPU) --runs $(RUNS) \
		--workload $(WORKLOAD)

# user/abi-conformance's table of exact system call results on Linux 6.1 (where every case
# must pass) and on our kernel: both summaries and our differing cases (README: "Programs").
conformance: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(INITRD)
	@$(PYTHON) tests/compare/conformance.py --build $(BUILD) --cpu $(QEMU_CPU)

# The density demo (README): guests with more memory than RAM, with KSM off, then on.
demo: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(INITRD)
	@$(PYTHON) tests/demo/run.py --build $(BUILD) --mem $(MEM) --guests $(DEMO_GUESTS) \
		--guest-mb $(DEMO_GUEST_MB) --plots $(BUILD)/plots --mitigation $(DEMO_MITIGATION) \
		--read-every $(DEMO_READ_EVERY)

# The plots again from the last demo's and bench's CSV files in $(BUILD)/plots (README).
plot: deps
	@$(PYTHON) tests/plots/plot.py --dir $(BUILD)/plots

# The swap disk: a fresh sparse image of $(SWAP) per QEMU (QEMU locks the images it uses,
# so two machines never share one), formatted by mkswap, removed when QEMU exits; SWAP=0:
# none. Sets $$drive for the QEMU command line and $$img for the removal.
SWAP_DISK = img=; drive=; \
	if [ "$(SWAP)" != 0 ]; then \
		img=$$(mktemp $(BUILD)/swap-XXXXXX.img) && truncate -s $(SWAP) $$img && \
		/sbin/mkswap $$img >/dev/null 2>&1 || { echo "cannot make a $(SWAP) swap image"; exit 1; }; \
		drive="-drive file=$$img,if=virtio,format=raw"; \
	fi
# The status QEMU ended with (qemu.mk): a clean poweroff is success.
QEMU_STATUS = s=$$?; rm -f $$img; \
	if [ $$s -eq $(EXIT_POWEROFF) ]; then exit 0; fi; \
	if [ $$s -eq $(EXIT_PANIC) ]; then echo "qemu exited with status $$s: kernel panic"; exit 1; fi; \
	echo "qemu exited with status $$s (not a clean poweroff)"; exit 1

run: deps
	@$(MAKE) --no-print-directory iso
	@$(SWAP_DISK); $(QEMU) $(QEMU_FLAGS) $$drive -boot d -cdrom $(ISO); $(QEMU_STATUS)

# The same kernel without GRUB, through QEMU's PVH entry.
run-pvh: deps
	@$(MAKE) --no-print-directory $(KERNEL) $(INITRD)
	@$(SWAP_DISK); $(QEMU) $(QEMU_FLAGS) $$drive -kernel $(KERNEL) -initrd $(INITRD) \
		-append "panic=exit"; $(QEMU_STATUS)

clean:
	rm -rf $(BUILD) build-*

-include $(KOBJS:.o=.d) $(UNIT_TESTS:=.d)
