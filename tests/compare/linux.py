"""The Linux side of make compare: Debian's kernel, fetched once into a cache under the
build directory (never installed), a small initramfs of busybox and our workload binaries,
and one boot of it that runs the workloads and powers off."""
import glob
import os
import stat
import subprocess

from machine import die_with_parent

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "mount", "awk", "tr", "poweroff"]
INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "init.sh")


def fetch_kernel(cache):
    """The path of Debian's vmlinuz: apt-get download the linux-image-amd64 meta package and
    the linux-image-6.1.0-NN-amd64 package it names, dpkg-deb -x it into cache/root."""
    found = glob.glob(os.path.join(cache, "root", "boot", "vmlinuz-*"))
    if found:
        return found[0]
    debs = os.path.join(cache, "debs")
    os.makedirs(debs, exist_ok=True)

    def download(package):
        for attempt in range(2):  # a fresh machine may need its package lists first
            r = subprocess.run(["apt-get", "download", package], cwd=debs,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode == 0:
                return glob.glob(os.path.join(debs, package + "_*.deb"))[0]
            if attempt == 0:
                sudo = [] if os.getuid() == 0 else ["sudo"]
                subprocess.run(sudo + ["apt-get", "update", "-q"], check=True,
                               stdout=subprocess.DEVNULL)
        raise RuntimeError(f"apt-get download {package} failed: {r.stderr.strip()}")

    meta = download("linux-image-amd64")
    depends = subprocess.run(["dpkg-deb", "-f", meta, "Depends"], check=True,
                             capture_output=True, text=True).stdout
    image = next(d.split()[0] for d in depends.split(",") if d.strip().startswith("linux-image-"))
    subprocess.run(["dpkg-deb", "-x", download(image), os.path.join(cache, "root")], check=True)
    return glob.glob(os.path.join(cache, "root", "boot", "vmlinuz-*"))[0]


def newc_entry(name, mode, data=b"", rdev=(0, 0)):
    """One member of a newc cpio archive. Written here rather than by cpio(1) so that
    /dev/console, which Linux needs for /init's output, is made without root."""
    fields = [0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    header = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = header + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


def make_initramfs(path, user_bins):
    """busybox with the applets /init uses, the given user programs in /bin, and /init."""
    def file_entry(name, src):
        with open(src, "rb") as f:
            return newc_entry(name, stat.S_IFREG | 0o755, f.read())
    members = [newc_entry(d, stat.S_IFDIR | 0o755) for d in ("bin", "dev", "proc", "sys")]
    members.append(newc_entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)))
    members.append(file_entry("bin/busybox", BUSYBOX))
    members += [newc_entry("bin/" + a, stat.S_IFLNK | 0o777, b"busybox") for a in APPLETS]
    members += [file_entry("bin/" + os.path.basename(b), b) for b in user_bins]
    members.append(file_entry("init", INIT))
    members.append(newc_entry("TRAILER!!!", 0))
    with open(path, "wb") as f:
        f.write(b"".join(members))
    return path


def boot(vmlinuz, initramfs, qemu_base, workloads, limit_s, program=None):
    """Boot Linux once, run the workloads (or the one program /bin/PROGRAM) in /init: its
    output (serial console)."""
    cmdline = f"console=ttyS0 quiet panic=-1 transparent_hugepage=never WORKLOADS={','.join(workloads)}"
    if program:
        cmdline += f" PROGRAM={program}"
    cmd = ["timeout", "--kill-after=5", str(int(limit_s)), *qemu_base,
           "-kernel", vmlinuz, "-initrd", initramfs, "-append", cmdline]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    out = r.stdout.decode("latin-1").replace("\r", "")
    if "compare-done" not in out:
        raise RuntimeError(f"Linux did not finish its workloads (status {r.returncode}):\n{out}")
    return out
