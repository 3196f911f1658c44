/* Linux's userfaultfd ABI, which musl does not ship: the constants and structs the kernel
 * decodes (include/uapi/userfaultfd.h, shared with it) and the ioctl requests built from
 * them, for uffdtest and mmthreads. Header-only. */
#ifndef UFFD_ABI_H
#define UFFD_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>
#include "../include/uapi/userfaultfd.h"

#define UFFDIO_API        _IOWR(UFFD_API, _UFFDIO_API, struct uffdio_api)
#define UFFDIO_REGISTER   _IOWR(UFFD_API, _UFFDIO_REGISTER, struct uffdio_register)
#define UFFDIO_UNREGISTER _IOR(UFFD_API, _UFFDIO_UNREGISTER, struct uffdio_range)
#define UFFDIO_WAKE       _IOR(UFFD_API, _UFFDIO_WAKE, struct uffdio_range)
#define UFFDIO_COPY       _IOWR(UFFD_API, _UFFDIO_COPY, struct uffdio_copy)
#define UFFDIO_ZEROPAGE   _IOWR(UFFD_API, _UFFDIO_ZEROPAGE, struct uffdio_zeropage)
#define UFFDIO_WRITEPROTECT _IOWR(UFFD_API, _UFFDIO_WRITEPROTECT, struct uffdio_writeprotect)

#endif
