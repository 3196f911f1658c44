/* Walking a user buffer in pieces (see iov_iter.h). */
#include "fs/iov_iter.h"
#include "mm/addrspace.h"

void iov_iter_init(struct iov_iter *it, const struct iovec *iov, unsigned long nr)
{
	*it = (struct iov_iter){ .iov = iov, .nr = nr };
}

/* Copy up to n bytes between kbuf and the user memory ahead, as far as the first fault;
 * the bytes copied. A user copy succeeds whole or not at all, so the copies go no further
 * than a page at a time: faults come per page, and what lies before one is copied. */
static size_t iterate(struct iov_iter *it, char *kbuf, size_t n, bool out)
{
	size_t done = 0;
	while (done < n && it->idx < it->nr) {
		const struct iovec *v = &it->iov[it->idx];
		char *u = v->base + it->off;
		size_t len = MIN(MIN(n - done, v->len - it->off), PAGE_SIZE - ((uint64_t)u & ~PAGE_MASK));
		if (len && (out ? copy_to_user(u, kbuf + done, len) : copy_from_user(kbuf + done, u, len)))
			break;
		done += len;
		it->off += len;
		if (it->off == v->len) {
			it->idx++;
			it->off = 0;
		}
	}
	return done;
}

size_t iov_iter_copy_in(struct iov_iter *it, void *dst, size_t n)
{
	return iterate(it, dst, n, false);
}

size_t iov_iter_copy_out(struct iov_iter *it, const void *src, size_t n)
{
	return iterate(it, (char *)src, n, true);
}

bool iov_iter_range_ok(const struct iov_iter *it, size_t n, bool write)
{
	size_t off = it->off;
	for (unsigned long i = it->idx; n && i < it->nr; i++, off = 0) {
		size_t len = MIN(n, it->iov[i].len - off);
		if (!user_range_ok(it->iov[i].base + off, len, write))
			return false;
		n -= len;
	}
	return true;
}
