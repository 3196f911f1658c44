/* MC146818 CMOS clock: registers through index port 0x70 and data port 0x71. Values may be
 * BCD and 12-hour depending on status register B; the clock must not be read while an
 * update is in progress (status A bit 7), so the read repeats until two agree. */
#include "arch-x86_64/rtc.h"
#include "arch-x86_64/cpu.h"
#include "kernel/clock.h"
#include "kernel/printk.h"

static uint64_t boot_epoch_ns;

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

struct rtc_time {
	unsigned sec, min, hour, day, mon, year;
};

static void read_raw(struct rtc_time *t)
{
	while (cmos_read(0x0a) & 0x80)
		cpu_relax();
	t->sec = cmos_read(0x00);
	t->min = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->mon = cmos_read(0x08);
	t->year = cmos_read(0x09);
}

static unsigned bcd(unsigned v) { return (v & 0x0f) + (v >> 4) * 10; }

/* Days from 1970-01-01 to year-mon-day (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void rtc_init(void)
{
	struct rtc_time a, b;
	do {
		read_raw(&a);
		read_raw(&b);
	} while (a.sec != b.sec || a.min != b.min || a.hour != b.hour || a.day != b.day ||
		 a.mon != b.mon || a.year != b.year);
	uint8_t status_b = cmos_read(0x0b);
	bool pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(status_b & 0x04)) { /* BCD */
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.day = bcd(a.day);
		a.mon = bcd(a.mon);
		a.year = bcd(a.year);
	}
	if (!(status_b & 0x02) && pm) /* 12-hour clock */
		a.hour = (a.hour % 12) + 12;
	unsigned year = a.year + (a.year < 70 ? 2000 : 1900);
	int64_t secs = days_from_civil(year, a.mon, a.day) * 86400 + a.hour * 3600 + a.min * 60 + a.sec;
	boot_epoch_ns = (uint64_t)secs * NSEC_PER_SEC - clock_ns();
	printk("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", year, a.mon, a.day, a.hour, a.min, a.sec);
}

uint64_t rtc_boot_epoch_ns(void)
{
	return boot_epoch_ns;
}
