/* A user buffer in pieces (readv/writev's vectors; read/write's single one), walked in
 * order by one transfer, so that a vectored write reaches the file as one write per chunk
 * (a terminal line or a pipe write of up to PIPE_BUF bytes stays whole, as on Linux) and a
 * vectored read takes what one read gives, spread over the vectors. Owned by the calling
 * system call; no locks. */
#ifndef FS_IOV_ITER_H
#define FS_IOV_ITER_H

#include "lib/compiler.h"

struct iovec {
	char *base;
	size_t len;
};

struct iov_iter {
	const struct iovec *iov;	/* the vectors (the caller's, checked against USER_END) */
	unsigned long nr;		/* how many */
	unsigned long idx;		/* the vector the next byte is in */
	size_t off;			/* and its offset in that vector */
};

/* An iterator at the start of iov[0..nr). */
void iov_iter_init(struct iov_iter *it, const struct iovec *iov, unsigned long nr);
/* Copy the next n bytes of user memory into dst (a write's data), or as many as could be
 * read before a fault; returns the bytes copied, and the iterator moves past them.
 * May sleep (user pages may have to be faulted in). */
size_t iov_iter_copy_in(struct iov_iter *it, void *dst, size_t n);
/* Copy src[0..n) out to the next n bytes of user memory (a read's data), or as many as
 * could be written before a fault; returns the bytes copied. May sleep. */
size_t iov_iter_copy_out(struct iov_iter *it, const void *src, size_t n);
/* Whether the next n bytes all lie in current's VMAs that allow the access (write: user
 * memory is written), nothing faulted in: a read checks with it before it consumes input
 * it could not give back (user_range_ok). Takes mm->lock. */
bool iov_iter_range_ok(const struct iov_iter *it, size_t n, bool write);

#endif
