# The QEMU machine every boot uses and its exit-status convention: the one definition.
# The Makefile includes this file (make run, make run-pvh); tests/boot/machine.py parses it
# (the boot tests, make bench, make demo). Keep to `NAME = value` and `NAME ?= value`
# lines (a trailing backslash continues a line), with no make functions or $(references).
QEMU = qemu-system-x86_64
# the accelerator (README: TCG, not KVM); make run takes ACCEL=kvm, the tests always TCG
ACCEL ?= tcg
# CPUs (make run SMP=N, make test SMP=N): QEMU's TCG runs them on host threads at once
# (multi-threaded TCG, its default for x86 guests); tools that compare kernels pass -smp
# themselves
SMP ?= 2
# a PC without a screen or reboot, the serial console on stdio, and isa-debug-exit, by
# which the kernel ends QEMU (drivers/power.h)
QEMU_MACHINE = -M pc -no-reboot -display none \
	-chardev stdio,id=con,signal=off -serial chardev:con \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
# QEMU's exit status for the codes written to isa-debug-exit: (code << 1) | 1
# a clean `poweroff` (QEMU_EXIT_POWEROFF): success
EXIT_POWEROFF = 33
# a kernel panic under panic=exit (QEMU_EXIT_PANIC)
EXIT_PANIC = 65
