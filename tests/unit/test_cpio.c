/* newc cpio reading: archives built here, then truncated and damaged. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "fs/cpio.c"

static uint8_t arc[4096];
static size_t arc_len;

static void add(const char *name, uint32_t mode, const char *data)
{
	size_t dlen = strlen(data);
	arc_len += sprintf((char *)arc + arc_len, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			   1u, mode, 0u, 0u, 1u, 0u, (unsigned)dlen, 0u, 0u, 0u, 0u,
			   (unsigned)strlen(name) + 1, 0u);
	strcpy((char *)arc + arc_len, name);
	arc_len += strlen(name) + 1;
	while (arc_len % 4)
		arc[arc_len++] = 0;
	memcpy(arc + arc_len, data, dlen);
	arc_len += dlen;
	while (arc_len % 4)
		arc[arc_len++] = 0;
}

static void build(void)
{
	memset(arc, 0, sizeof(arc));
	arc_len = 0;
	add(".", 040755, "");
	add("bin", 040755, "");
	add("bin/hello", 0100755, "HELLO-BINARY");
	add("bin/x", 0100644, "abc");
	add("TRAILER!!!", 0, "");
}

static void test_list(void)
{
	struct cpio_reader r;
	struct cpio_entry e;
	const char *err = NULL;
	build();
	cpio_reader_init(&r, arc, arc_len);
	CHECK_EQ(cpio_next(&r, &e, &err), 1);
	CHECK_STR(e.name, ".");
	CHECK_EQ(cpio_next(&r, &e, &err), 1);
	CHECK_STR(e.name, "bin");
	CHECK_EQ(e.mode, 040755);
	CHECK_EQ(cpio_next(&r, &e, &err), 1);
	CHECK_STR(e.name, "bin/hello");
	CHECK_EQ(e.size, 12);
	CHECK(!memcmp(e.data, "HELLO-BINARY", 12));
	CHECK_EQ(cpio_next(&r, &e, &err), 1);
	CHECK_STR(e.name, "bin/x");
	CHECK(!memcmp(e.data, "abc", 3));
	CHECK_EQ(cpio_next(&r, &e, &err), 0);
}

/* Cleared by walk() if an entry handed out does not lie inside its archive. */
static bool entries_inside = true;

static int walk(const uint8_t *a, size_t len, const char **err)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int rc, n = 0;
	cpio_reader_init(&r, a, len);
	while ((rc = cpio_next(&r, &e, err)) == 1 && ++n < 100)
		entries_inside &= (const uint8_t *)e.data + e.size <= a + len && strlen(e.name) < len;
	return rc;
}

static void test_corrupt(void)
{
	const char *err;
	build();
	/* every truncation is an error, never a crash */
	bool all_refused = true;
	for (size_t len = 0; len < arc_len; len++) {
		uint8_t *copy = malloc(len + 1);
		memcpy(copy, arc, len);
		err = NULL;
		all_refused &= walk(copy, len, &err) == -1 && err != NULL;
		free(copy);
	}
	CHECK(all_refused);
	build();
	arc[0] = '1';
	CHECK_EQ(walk(arc, arc_len, &err), -1);
	CHECK(strstr(err, "magic") != NULL);
	build();
	arc[6 + 8 * 6] = 'g'; /* file size field of the first entry */
	CHECK_EQ(walk(arc, arc_len, &err), -1);
	CHECK(strstr(err, "bad number") != NULL);
	build();
	memcpy(arc + 6 + 8 * 6, "7FFFFFFF", 8);
	CHECK_EQ(walk(arc, arc_len, &err), -1);
	CHECK(strstr(err, "past the end") != NULL);

	srand(2);
	for (int round = 0; round < 20000; round++) {
		build();
		for (int i = 0; i < 3; i++)
			arc[rand() % arc_len] = rand();
		size_t len = rand() % 3 ? arc_len : (size_t)rand() % arc_len;
		uint8_t *copy = malloc(len + 1);
		memcpy(copy, arc, len);
		walk(copy, len, &err);
		free(copy);
	}
	CHECK(entries_inside);
}

int main(void)
{
	test_list();
	test_corrupt();
	return check_summary("cpio");
}
