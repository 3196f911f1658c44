#!/bin/sh
# /init of make compare's Linux guest (tests/compare/linux.py). The kernel command line's
# WORKLOADS=a,b,... (and PROGRAM=name) arrive as an environment variable; every workload prints key=value
# lines, as it does on our kernel. Ends QEMU by powering off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# guest-side boot time: the uptime when /init starts (ours: when the prompt appears)
awk '{ printf "boot_ms=%d\n", $1 * 1000 }' /proc/uptime
# PROGRAM=name (make conformance): run /bin/name instead of the workloads
if [ -n "$PROGRAM" ]; then
	/bin/"$PROGRAM"
	echo "program-exit=$?"
fi
for w in $(echo "$WORKLOADS" | tr , ' '); do
	/bin/ksm-compare "$w" || echo "failed=$w"
done
echo compare-done
poweroff -f
