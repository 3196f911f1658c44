"""Boot tests of PCI enumeration and the virtio-blk disks: what the boot says about them."""
import os
import re

from registry import check, test


def scratch_disk(b, name, mib):
    """A sparse raw image of mib MiB in the test's scratch directory."""
    path = os.path.join(b.tmpdir, f"{name}.img")
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    return path


@test
def virtio_blk_disks_on_bus_0_and_behind_a_bridge(b):
    a, c = scratch_disk(b, "a", 64), scratch_disk(b, "c", 32)
    m = b.machine(swap=None, qemu_args=[
        "-drive", f"file={a},if=virtio,format=raw",
        "-device", "pci-bridge,chassis_nr=1,id=br1",
        "-drive", f"file={c},if=none,format=raw,id=d1",
        "-device", "virtio-blk-pci,bus=br1,addr=3,drive=d1"]).start()
    log = m.wait_prompt()
    check(re.search(r"^pci 00:00\.0 8086:1237 class 06:00$", log, re.M), "host bridge not listed")
    check(re.search(r"^pci 01:03\.0 1af4:1001 class 01:00$", log, re.M),
          "the disk behind the PCI bridge was not found")
    placed = re.findall(r"^(vd[ab]): virtio-blk, \d+ sectors \(\d+ MiB\), msi-x vector 0x([0-9a-f]+) on CPU (\d+)$",
                        log, re.M)
    vectors = [vector for _, vector, _ in placed]
    check(re.search(r"^vda: virtio-blk, 131072 sectors \(64 MiB\), msi-x vector", log, re.M),
          "no vda line for the 64 MiB disk")
    check(re.search(r"^vdb: virtio-blk, 65536 sectors \(32 MiB\), msi-x vector", log, re.M),
          "no vdb line for the 32 MiB disk")
    check(len(set(vectors)) == 2, f"the disks do not have distinct vectors: {vectors}")
    # Spread over the CPUs from the last down; each disk's interrupts (the swap-header
    # read at boot) counted in its CPU's column of /proc/interrupts, and only there.
    check(sorted(cpu for _, _, cpu in placed) == ["0", "1"], f"both disks' interrupts on one CPU: {placed}")
    interrupts = m.command("cat /proc/interrupts")
    for disk, vector, cpu in placed:
        row = re.search(rf"^\s*{vector}:\s+(\d+)\s+(\d+)\s+{disk}$", interrupts, re.M)
        counts = [int(n) for n in row.groups()] if row else []
        check(row and counts[int(cpu)] > 0 and counts[1 - int(cpu)] == 0,
              f"{disk}'s interrupts are not all on CPU {cpu}:\n{interrupts}")
    m.poweroff()
    # irq_cpu=N on the command line puts them on CPU N.
    m = b.machine(swap=None, cmdline="panic=exit irq_cpu=0", qemu_args=[
        "-drive", f"file={a},if=virtio,format=raw", "-drive", f"file={c},if=virtio,format=raw"]).start()
    log = m.wait_prompt()
    check(re.findall(r"^vd[ab]: virtio-blk, .* on CPU (\d+)$", log, re.M) == ["0", "0"],
          f"irq_cpu=0 was not followed:\n{log}")
    m.poweroff()


@test
def virtio_blk_absent_or_without_msix_is_not_used(b):
    m = b.machine(swap=None).start()
    log = m.wait_prompt()
    check("virtio-blk" not in log and not re.search(r"^vd[a-z]:", log, re.M),
          "a machine without disks printed disk lines")
    m.poweroff()
    a = scratch_disk(b, "a", 16)
    m = b.machine(swap=None, qemu_args=["-drive", f"file={a},if=none,format=raw,id=d0",
                             "-device", "virtio-blk-pci,drive=d0,vectors=0"]).start()
    log = m.wait_prompt()
    check(re.search(r"^virtio-blk 00:\w\w\.0: no usable MSI-X, not used$", log, re.M),
          "no refusal line for a virtio-blk device without MSI-X")
    check(not re.search(r"^vda:", log, re.M), "a device without MSI-X became vda")
    m.poweroff()
