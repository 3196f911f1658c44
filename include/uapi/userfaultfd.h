/* Linux's userfaultfd ABI (include/uapi/linux/userfaultfd.h): the constants, the message
 * read() returns and the UFFDIO_* request structures, as the kernel (mm/userfaultfd.h,
 * mm/sys_userfaultfd.c) decodes them and the test programs (user/uffd_abi.h) send them.
 * One definition for both sides; plain <stdint.h> types only. */
#ifndef UAPI_USERFAULTFD_H
#define UAPI_USERFAULTFD_H

#include <stdint.h>

#define UFFD_API			0xAA
#define UFFD_USER_MODE_ONLY		1	/* userfaultfd(2) flag */
#define UFFD_EVENT_PAGEFAULT		0x12
#define UFFD_PAGEFAULT_FLAG_WRITE	(1u << 0)
#define UFFD_PAGEFAULT_FLAG_WP		(1u << 1)
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP	(1u << 0)
#define UFFD_FEATURE_MISSING_SHMEM	(1u << 5)
#define UFFD_FEATURE_THREAD_ID		(1u << 8)
#define UFFD_FEATURE_EXACT_ADDRESS	(1u << 11)
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM	(1u << 12)
#define UFFDIO_REGISTER_MODE_MISSING	(1u << 0)
#define UFFDIO_REGISTER_MODE_WP		(1u << 1)
#define UFFDIO_COPY_MODE_DONTWAKE	(1u << 0)
#define UFFDIO_COPY_MODE_WP		(1u << 1)
#define UFFDIO_ZEROPAGE_MODE_DONTWAKE	(1u << 0)
#define UFFDIO_WRITEPROTECT_MODE_WP	(1u << 0)
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE (1u << 1)
/* ioctl numbers (_IOC nr, type UFFD_API) and their bits in the ioctls masks. */
#define _UFFDIO_REGISTER	0x00
#define _UFFDIO_UNREGISTER	0x01
#define _UFFDIO_WAKE		0x02
#define _UFFDIO_COPY		0x03
#define _UFFDIO_ZEROPAGE	0x04
#define _UFFDIO_WRITEPROTECT	0x06
#define _UFFDIO_API		0x3F

/* What read() returns: one per reported fault (packed, 32 bytes). */
struct uffd_msg {
	uint8_t event;
	uint8_t reserved1;
	uint16_t reserved2;
	uint32_t reserved3;
	uint64_t flags;		/* UFFD_PAGEFAULT_FLAG_* */
	uint64_t address;	/* page-aligned unless UFFD_FEATURE_EXACT_ADDRESS */
	uint32_t ptid;		/* the faulting thread, with UFFD_FEATURE_THREAD_ID */
	uint32_t pad;
} __attribute__((packed));

struct uffdio_range { uint64_t start, len; };
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { struct uffdio_range range; uint64_t mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffdio_zeropage { struct uffdio_range range; uint64_t mode; int64_t zeropage; };
struct uffdio_writeprotect { struct uffdio_range range; uint64_t mode; };

#endif
