#include "lib/errstr.h"
#include "lib/errno.h"
#include "lib/format.h"

const char *errno_string(int err)
{
	static const char *const text[] = {
		[EPERM] = "Operation not permitted", [ENOENT] = "No such file or directory",
		[ESRCH] = "No such process", [EINTR] = "Interrupted system call",
		[EIO] = "Input/output error", [ENXIO] = "No such device or address",
		[E2BIG] = "Argument list too long", [ENOEXEC] = "Exec format error",
		[EBADF] = "Bad file descriptor", [ECHILD] = "No child processes",
		[EAGAIN] = "Resource temporarily unavailable", [ENOMEM] = "Cannot allocate memory",
		[EACCES] = "Permission denied", [EFAULT] = "Bad address",
		[EBUSY] = "Device or resource busy", [EEXIST] = "File exists",
		[ENODEV] = "No such device", [ENOTDIR] = "Not a directory",
		[EISDIR] = "Is a directory", [EINVAL] = "Invalid argument",
		[ENFILE] = "Too many open files in system", [EMFILE] = "Too many open files",
		[ENOTTY] = "Inappropriate ioctl for device", [EFBIG] = "File too large",
		[ENOSPC] = "No space left on device", [ESPIPE] = "Illegal seek",
		[EROFS] = "Read-only file system", [EPIPE] = "Broken pipe",
		[ERANGE] = "Numerical result out of range", [ENAMETOOLONG] = "File name too long",
		[ENOSYS] = "Function not implemented", [ENOTEMPTY] = "Directory not empty",
		[ELOOP] = "Too many levels of symbolic links",
		[EOVERFLOW] = "Value too large for defined data type",
	};
	static char unknown[24];
	if (err < 0)
		err = -err;
	if (err < (int)(sizeof(text) / sizeof(text[0])) && text[err])
		return text[err];
	snprintf(unknown, sizeof(unknown), "error %d", err);
	return unknown;
}
