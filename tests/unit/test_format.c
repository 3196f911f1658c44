/* vsnprintf against the host C library's snprintf on the same formats. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#define vsnprintf kvsnprintf
#define snprintf ksnprintf
#include "lib/format.c"
#undef vsnprintf
#undef snprintf

#define SAME(...) do { \
	char a[128], b[128]; \
	int na = ksnprintf(a, sizeof(a), __VA_ARGS__); \
	int nb = snprintf(b, sizeof(b), __VA_ARGS__); \
	CHECK_STR(a, b); CHECK_EQ(na, nb); \
} while (0)

int main(void)
{
	SAME("plain");
	SAME("%d %i %u", -42, 17, 4000000000u);
	SAME("%x %X %lx %llx", 0xbeefu, 0xbeefu, 0xffffffff80000000ul, 0x123456789abcull);
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	SAME("[%08lx] [%016lx]", 0x1234ul, 0xdeadbeeful);
	SAME("[%s] [%10s] [%-10s] [%.3s]", "abc", "abc", "abc", "abcdef");
	SAME("%c%c%c", 'o', 'k', '!');
	SAME("100%%");
	SAME("%ld %lu", (long)-9223372036854775807L - 1, 18446744073709551615ul);
	SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
	SAME("%hd %hhu", 70000, 300);
	SAME("%#x %#o", 255u, 8u);
	SAME("[%*d] [%-*d] [%.*s]", 6, 7, 6, 7, 2, "xyz");
	SAME("%.0d|%.5d", 0, 42);
	SAME("%p", (void *)0xffff800000001000ul);

	/* truncation: always terminated, returns the full length */
	char small[8];
	CHECK_EQ(ksnprintf(small, sizeof(small), "%s", "0123456789"), 10);
	CHECK_STR(small, "0123456");
	CHECK_EQ(ksnprintf(NULL, 0, "%d", 12345), 5);

	uint64_t v;
	CHECK(parse_u64("123", &v) == 0 && v == 123);
	CHECK(parse_u64("0x1F", &v) == 0 && v == 31);
	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", &v) == -1);
	CHECK(parse_u64("", &v) == -1);
	CHECK(parse_u64("12a", &v) == -1);
	CHECK(parse_u64("-1", &v) == -1);
	CHECK(parse_u64("0x", &v) == -1);
	CHECK(parse_size("48M", &v) == 0 && v == 48ull << 20);
	CHECK(parse_size("4096", &v) == 0 && v == 4096);
	CHECK(parse_size("8k", &v) == 0 && v == 8192);
	CHECK(parse_size("1G", &v) == 0 && v == 1ull << 30);
	CHECK(parse_size("0x10m", &v) == 0 && v == 16ull << 20);
	CHECK(parse_size("M", &v) == -1);
	CHECK(parse_size("", &v) == -1);
	CHECK(parse_size("12X", &v) == -1);
	CHECK(parse_size("1.5G", &v) == -1);
	CHECK(parse_size("17179869184G", &v) == -1);  /* 2^64 bytes */
	CHECK(parse_size("17179869183G", &v) == 0 && v == 17179869183ull << 30);
	return check_summary("format");
}
