/* The CMOS real-time clock, read once at boot for CLOCK_REALTIME. */
#ifndef ARCH_RTC_H
#define ARCH_RTC_H

#include "lib/compiler.h"

/* Read the RTC (UTC, as QEMU keeps it) and remember the wall-clock time at clock_ns() = 0. */
void rtc_init(void);
/* Nanoseconds since 1970-01-01 UTC at the monotonic clock's zero. */
uint64_t rtc_boot_epoch_ns(void);

#endif
