/* Linux's userfaultfd ABI (include/uapi/linux/userfaultfd.h), which musl does not ship:
 * the constants, structs and ioctl numbers uffdtest and mmthreads use. Header-only. */
#ifndef UFFD_ABI_H
#define UFFD_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE 1
#define UFFD_PAGEFAULT_FLAG_WP 2
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP 1
#define UFFD_FEATURE_THREAD_ID (1 << 8)
#define UFFDIO_REGISTER_MODE_MISSING 1
#define UFFDIO_REGISTER_MODE_WP 2
#define UFFDIO_COPY_MODE_DONTWAKE 1
#define UFFDIO_WRITEPROTECT_MODE_WP 1
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE 2
struct uffd_msg {
	uint8_t event, reserved1;
	uint16_t reserved2;
	uint32_t reserved3;
	uint64_t flags, address;
	uint32_t ptid, pad;
} __attribute__((packed));
struct uffdio_range { uint64_t start, len; };
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { struct uffdio_range range; uint64_t mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffdio_zeropage { struct uffdio_range range; uint64_t mode; int64_t zeropage; };
struct uffdio_writeprotect { struct uffdio_range range; uint64_t mode; };
#define UFFDIO_API        _IOWR(0xAA, 0x3F, struct uffdio_api)
#define UFFDIO_REGISTER   _IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_UNREGISTER _IOR(0xAA, 0x01, struct uffdio_range)
#define UFFDIO_WAKE       _IOR(0xAA, 0x02, struct uffdio_range)
#define UFFDIO_COPY       _IOWR(0xAA, 0x03, struct uffdio_copy)
#define UFFDIO_ZEROPAGE   _IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define UFFDIO_WRITEPROTECT _IOWR(0xAA, 0x06, struct uffdio_writeprotect)

#endif
