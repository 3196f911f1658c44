/* mm/swap_header.c and mm/swap_slots.c: headers as mkswap writes them (made here byte by
 * byte, and checked against a real mkswap image: a missing /sbin/mkswap fails), each way a
 * header can be wrong, and the slot allocator against a model: next-fit order, bad pages
 * never handed out, release only when no PTE and no cache page refers to a slot, a full
 * area, and random alloc/ref/release sequences. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/kmalloc.h"
#include "mm/swap_header.c"
#include "mm/swap_slots.c"

static uint8_t hdr[SWAP_HDR_PROBE_BYTES];

static void put32(size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		hdr[off + i] = v >> (8 * i);
}

/* A header like mkswap's for an area of npages pages, made for page size ps. */
static void make_header(uint32_t npages, size_t ps)
{
	memset(hdr, 0, sizeof(hdr));
	put32(SWAP_HDR_VERSION, 1);
	put32(SWAP_HDR_LAST_PAGE, npages - 1);
	memcpy(hdr + SWAP_HDR_UUID, "0123456789abcdef", 16);
	memcpy(hdr + SWAP_HDR_LABEL, "swaplabel", 9);
	memcpy(hdr + ps - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN);
}

static int parse(uint64_t dev_pages, struct swap_header_info *info, const char **why)
{
	return swap_header_parse(hdr, sizeof(hdr), dev_pages, info, why);
}

static void test_header(void)
{
	struct swap_header_info info;
	const char *why;
	make_header(65536, PAGE_SIZE);
	CHECK_EQ(parse(65536, &info, &why), 0);
	CHECK(why == NULL);
	CHECK_EQ(info.last_page, 65535);
	CHECK_EQ(info.nr_bad, 0);
	CHECK_STR(info.label, "swaplabel");
	CHECK(!memcmp(info.uuid, "0123456789abcdef", 16));
	/* A device larger than the area is fine; a smaller one is not. */
	CHECK_EQ(parse(70000, &info, &why), 0);
	CHECK_EQ(parse(65535, &info, &why), -EINVAL);
	CHECK(strstr(why, "larger than the device"));

	/* Bad pages: listed, in range. */
	put32(SWAP_HDR_NR_BAD, 2);
	put32(SWAP_HDR_BADPAGES, 7);
	put32(SWAP_HDR_BADPAGES + 4, 65535);
	CHECK_EQ(parse(65536, &info, &why), 0);
	CHECK_EQ(info.nr_bad, 2);
	CHECK_EQ(info.bad[0], 7);
	CHECK_EQ(info.bad[1], 65535);
	put32(SWAP_HDR_BADPAGES + 4, 65536);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "bad page out of range"));
	put32(SWAP_HDR_BADPAGES + 4, 0);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	put32(SWAP_HDR_NR_BAD, SWAP_MAX_BADPAGES + 1);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "bad-page count"));

	/* No signature, an old one, a corrupt version or last page. */
	make_header(65536, PAGE_SIZE);
	hdr[PAGE_SIZE - 1] = 'X';
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "no swap signature"));
	memcpy(hdr + PAGE_SIZE - SWAP_MAGIC_LEN, SWAP_MAGIC_OLD, SWAP_MAGIC_LEN);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "old swap format"));
	make_header(65536, PAGE_SIZE);
	put32(SWAP_HDR_VERSION, 2);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "version"));
	put32(SWAP_HDR_VERSION, 0x01000000);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "big-endian"));
	make_header(1, PAGE_SIZE);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "no usable page"));

	/* Made for 16 KiB and 64 KiB pages: named as such, not as a missing signature. */
	make_header(4096, 16384);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "another page size"));
	make_header(4096, 65536);
	CHECK_EQ(parse(65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "another page size"));
	/* ... but only when the probe reaches that far. */
	CHECK_EQ(swap_header_parse(hdr, PAGE_SIZE, 65536, &info, &why), -EINVAL);
	CHECK(strstr(why, "no swap signature"));
}

/* The real thing: a header mkswap wrote. util-linux is one of the tools make installs, so
 * a missing mkswap is a failure, not a skip. */
static void test_real_mkswap(void)
{
	int have_mkswap = access("/sbin/mkswap", X_OK) == 0;
	CHECK(have_mkswap);
	if (!have_mkswap) {
		fprintf(stderr, "test_swap: no /sbin/mkswap (util-linux; `make deps` installs it)\n");
		return;
	}
	char path[] = "/tmp/test_swap_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 8 << 20) == 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "/sbin/mkswap -L unitlabel %s >/dev/null 2>&1", path);
	CHECK(system(cmd) == 0);
	memset(hdr, 0, sizeof(hdr));
	CHECK(pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr));
	struct swap_header_info info;
	const char *why;
	CHECK_EQ(parse(2048, &info, &why), 0);
	CHECK_EQ(info.last_page, 2047);
	CHECK_STR(info.label, "unitlabel");

	/* swap_header_make() writes what mkswap writes (without a label), UUID aside. */
	snprintf(cmd, sizeof(cmd), "/sbin/mkswap %s >/dev/null 2>&1", path);
	CHECK(system(cmd) == 0);
	CHECK(pread(fd, hdr, PAGE_SIZE, 0) == PAGE_SIZE);
	static uint8_t made[PAGE_SIZE];
	CHECK_EQ(swap_header_make(made, 2048, hdr + SWAP_HDR_UUID), 2047);
	CHECK(!memcmp(made, hdr, PAGE_SIZE));
	close(fd);
	unlink(path);
}

/* swap_header_make() against the parser: what it writes is accepted as it says. */
static void test_make_header(void)
{
	static uint8_t page[SWAP_HDR_PROBE_BYTES];
	const uint8_t uuid[16] = "fedcba9876543210";
	struct swap_header_info info;
	const char *why;
	CHECK_EQ(swap_header_make(page, 1, uuid), 0);
	CHECK_EQ(swap_header_make(page, 12288, uuid), 12287);
	CHECK_EQ(swap_header_parse(page, sizeof(page), 12288, &info, &why), 0);
	CHECK_EQ(info.last_page, 12287);
	CHECK_EQ(info.nr_bad, 0);
	CHECK_STR(info.label, "");
	CHECK(!memcmp(info.uuid, uuid, 16));
	CHECK_EQ(swap_header_make(page, 2, uuid), 1);
	CHECK_EQ(swap_header_parse(page, sizeof(page), 2, &info, &why), 0);
	CHECK_EQ(swap_header_make(page, 1ull << 33, uuid), UINT32_MAX);
}

static void test_slots_basic(void)
{
	struct swap_slots s;
	const uint32_t bad[] = { 3, 5, 5 };
	CHECK_EQ(swap_slots_init(&s, 1000, bad, 3), 0);
	CHECK_EQ(s.nusable, 997); /* the header, 3 and 5 */
	CHECK_EQ(swap_slots_free(&s), 997);
	/* Next-fit from slot 1, skipping bad slots. */
	CHECK_EQ(swap_slots_alloc(&s), 1);
	CHECK_EQ(swap_slots_alloc(&s), 2);
	CHECK_EQ(swap_slots_alloc(&s), 4);
	CHECK_EQ(swap_slots_alloc(&s), 6);
	CHECK_EQ(swap_slot(&s, 6)->flags, SLOT_USED);
	CHECK_EQ(swap_slot(&s, 3)->flags, SLOT_BAD);
	/* A slot with a PTE or a cache page stays; without both it goes. */
	swap_slot(&s, 2)->count = 2;
	CHECK(!swap_slots_release(&s, 2));
	swap_slot(&s, 2)->count = 0;
	swap_slot(&s, 2)->cache = (struct page *)&s;
	CHECK(!swap_slots_release(&s, 2));
	swap_slot(&s, 2)->cache = NULL;
	CHECK(swap_slots_release(&s, 2));
	CHECK_EQ(swap_slot(&s, 2)->flags, 0);
	CHECK_EQ(s.nused, 3);
	/* The cursor moves on: a freed slot is reused only after a lap. */
	CHECK_EQ(swap_slots_alloc(&s), 7);
	for (uint64_t off = 1; off < 1000; off++)
		if (swap_slot(&s, off)->flags & SLOT_USED)
			swap_slots_release(&s, off);
	CHECK_EQ(s.nused, 0);
	swap_slots_destroy(&s);
}

static void test_slots_full(void)
{
	struct swap_slots s;
	CHECK_EQ(swap_slots_init(&s, 600, NULL, 0), 0); /* spans three chunks */
	uint64_t got = 0, off;
	while ((off = swap_slots_alloc(&s)))
		got++;
	CHECK_EQ(got, 599);
	CHECK_EQ(swap_slots_free(&s), 0);
	CHECK(swap_slots_release(&s, 300));
	CHECK_EQ(swap_slots_alloc(&s), 300); /* the one free slot is found wherever it is */
	CHECK_EQ(swap_slots_alloc(&s), 0);
	for (off = 1; off < 600; off++)
		swap_slots_release(&s, off);
	swap_slots_destroy(&s);
	/* Out of memory while building the map: nothing leaks (ASan checks). */
	kmalloc_fail_after = 2;
	CHECK_EQ(swap_slots_init(&s, 100000, NULL, 0), -ENOMEM);
	kmalloc_fail_after = -1;
}

/* Random operations against a model of counts and cache flags. */
static void test_slots_random(void)
{
	enum { N = 3000 };
	static uint32_t count[N];
	static bool used[N], cached[N];
	struct swap_slots s;
	CHECK_EQ(swap_slots_init(&s, N, NULL, 0), 0);
	srand(42);
	uint64_t nused = 0, mismatches = 0;
	for (int step = 0; step < 200000; step++) {
		int op = rand() % 4;
		uint64_t off = 1 + rand() % (N - 1);
		if (op == 0) {
			uint64_t a = swap_slots_alloc(&s);
			if (nused == N - 1) {
				mismatches += a != 0;
				continue;
			}
			mismatches += !a || used[a];
			used[a] = true;
			cached[a] = rand() & 1;
			count[a] = cached[a] ? 0 : 1;
			swap_slot(&s, a)->count = count[a];
			swap_slot(&s, a)->cache = cached[a] ? (struct page *)&s : NULL;
			nused++;
		} else if (op == 1 && used[off]) {
			count[off]++;
			swap_slot(&s, off)->count++;
		} else if (op == 2 && used[off]) {
			if (count[off]) {
				count[off]--;
				swap_slot(&s, off)->count--;
			} else if (cached[off]) {
				cached[off] = false;
				swap_slot(&s, off)->cache = NULL;
			}
			bool freed = swap_slots_release(&s, off);
			mismatches += freed != (!count[off] && !cached[off]);
			if (freed) {
				used[off] = false;
				nused--;
			}
		}
		mismatches += s.nused != nused;
	}
	CHECK_EQ(mismatches, 0);
	for (uint64_t off = 1; off < N; off++) {
		if (!used[off])
			continue;
		swap_slot(&s, off)->count = 0;
		swap_slot(&s, off)->cache = NULL;
		swap_slots_release(&s, off);
	}
	CHECK_EQ(s.nused, 0);
	swap_slots_destroy(&s);
}

int main(void)
{
	test_header();
	test_real_mkswap();
	test_make_header();
	test_slots_basic();
	test_slots_full();
	test_slots_random();
	return check_summary("swap");
}
