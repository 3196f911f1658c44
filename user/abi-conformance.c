/* abi-conformance: a table of system calls with fixed arguments and the exact result Linux
 * gives (a value, or -errno), each made with the raw syscall() so libc filters nothing.
 * Arguments and expected values may be tokens (T_*) that stand for something each case gets
 * fresh: an open /dev/null, a pipe, a regular file, a mapping, our pid... Every case passes on
 * Linux 6.1 (make conformance boots it with this binary). Prints `PASS name` or
 * `FAIL name want X got Y` per case, then "abi-conformance: N cases, F failed".
 * Adding a case: one C(...) line in the table. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KADDR 0xffff800000000000L    /* the kernel half */
#define PAST 0x7ffffffff000L         /* the first page past user space */
#define BIGFD 1000000
#define SELF "/bin/abi-conformance"  /* a regular file on both systems: this program */

/* Tokens: values no case uses literally, replaced before each call. */
enum {
	T_FIRST = 0x7e570000,
	T_BUF = T_FIRST,  /* a zeroed writable buffer of 8 KiB */
	T_NULLFD,         /* /dev/null, O_RDWR */
	T_RDFD,           /* /dev/null, O_RDONLY */
	T_WRFD,           /* /dev/null, O_WRONLY */
	T_FILEFD,         /* SELF, O_RDONLY, at offset 0 */
	T_DIRFD,          /* "/", O_RDONLY|O_DIRECTORY */
	T_CLOSEDFD,       /* a descriptor just closed (200) */
	T_PIPER, T_PIPEW, /* an empty pipe's two ends */
	T_LONEW,          /* the write end of a pipe whose read end is closed */
	T_MAP,            /* a fresh private anonymous read-write mapping of 2 pages */
	T_MAPEND,         /* the page after T_MAP (unmapped) */
	T_PID, T_BRK, T_FILESIZE, T_SELFLEN,
	T_IOV, T_IOV_KADDR, T_IOV_NULLBASE, T_IOV_HUGE, /* struct iovec[1] of 16 bytes */
	T_TS0, T_TS_BADNS, T_TS_NEG,       /* timespecs: zero, tv_nsec 1e9, tv_sec -1 */
	T_PFD_NULL, T_PFD_NEG, T_PFD_BIG, T_PFD_PIPER, /* struct pollfd[1], events POLLIN */
	T_RLIM_BAD,       /* struct rlimit, cur > max */
	T_S_DEVNULL, T_S_EMPTY, T_S_NOENT, T_S_ROOT, T_S_NOTDIR, T_S_LONG, T_S_LONGNAME,
	T_S_EXE, T_S_PROCSELF, T_S_SELF, T_S_REL, T_S_DEVNULL_REL,
	T_ANY,            /* as a want: any value >= 0 */
	T_LAST
};

/* Case flags: what to undo after the call succeeded. */
#define F_CLOSE 1    /* the result is a descriptor */
#define F_UNMAP 2    /* the result is a mapping of args[1] bytes */
#define F_PIPEFDS 4  /* the call wrote two descriptors into T_BUF */
#define F_CLOSE100 8 /* the call made descriptor 100 */

struct scase {
	const char *name;
	long want;
	int flags;
	long nr;
	long a[6];
};

#define C(name, want, nr, ...) { name, want, 0, nr, { __VA_ARGS__ } }
#define CF(name, want, fl, nr, ...) { name, want, fl, nr, { __VA_ARGS__ } }

static const struct scase cases[] = {
	/* read */
	C("read_fd_minus1", -EBADF, SYS_read, -1, T_BUF, 1),
	C("read_fd_big", -EBADF, SYS_read, BIGFD, T_BUF, 1),
	C("read_fd_closed", -EBADF, SYS_read, T_CLOSEDFD, T_BUF, 1),
	C("read_wronly_fd", -EBADF, SYS_read, T_WRFD, T_BUF, 1),
	C("read_pipe_write_end", -EBADF, SYS_read, T_PIPEW, T_BUF, 1),
	C("read_devnull_null_buf", 0, SYS_read, T_NULLFD, 0, 1),
	C("read_file_4", 4, SYS_read, T_FILEFD, T_BUF, 4),
	C("read_file_count0", 0, SYS_read, T_FILEFD, T_BUF, 0),
	C("read_file_null_buf", -EFAULT, SYS_read, T_FILEFD, 0, 1),
	C("read_file_kaddr_buf", -EFAULT, SYS_read, T_FILEFD, KADDR, 1),
	C("read_file_past_user_buf", -EFAULT, SYS_read, T_FILEFD, PAST, 16),
	C("read_file_huge_count", -EFAULT, SYS_read, T_FILEFD, T_BUF, -1L),
	C("read_file_buf_wraps", -EFAULT, SYS_read, T_FILEFD, T_BUF, 0x7fffffffffffffffL),
	C("read_dir", -EISDIR, SYS_read, T_DIRFD, T_BUF, 1),
	C("read_pipe_count0", 0, SYS_read, T_PIPER, T_BUF, 0),
	C("read_unmapped_buf", -EFAULT, SYS_read, T_FILEFD, T_MAPEND, 16),
	/* write */
	C("write_fd_minus1", -EBADF, SYS_write, -1, T_BUF, 1),
	C("write_fd_big", -EBADF, SYS_write, BIGFD, T_BUF, 1),
	C("write_fd_closed", -EBADF, SYS_write, T_CLOSEDFD, T_BUF, 1),
	C("write_rdonly_fd", -EBADF, SYS_write, T_RDFD, T_BUF, 1),
	C("write_file_rdonly", -EBADF, SYS_write, T_FILEFD, T_BUF, 1),
	C("write_dir", -EBADF, SYS_write, T_DIRFD, T_BUF, 1),
	C("write_pipe_read_end", -EBADF, SYS_write, T_PIPER, T_BUF, 1),
	C("write_devnull_100", 100, SYS_write, T_NULLFD, T_BUF, 100),
	C("write_devnull_null_buf", 10, SYS_write, T_NULLFD, 0, 10),
	C("write_devnull_kaddr_buf", -EFAULT, SYS_write, T_NULLFD, KADDR, 10),
	C("write_devnull_huge_count", -EFAULT, SYS_write, T_NULLFD, T_BUF, -1L),
	C("write_pipe_10", 10, SYS_write, T_PIPEW, T_BUF, 10),
	C("write_pipe_count0", 0, SYS_write, T_PIPEW, T_BUF, 0),
	C("write_pipe_null_buf", -EFAULT, SYS_write, T_PIPEW, 0, 1),
	C("write_pipe_kaddr_buf", -EFAULT, SYS_write, T_PIPEW, KADDR, 1),
	C("write_pipe_no_reader", -EPIPE, SYS_write, T_LONEW, T_BUF, 1),
	/* pread64 / pwrite64 */
	C("pread_file_4", 4, SYS_pread64, T_FILEFD, T_BUF, 4, 0),
	C("pread_file_past_eof", 0, SYS_pread64, T_FILEFD, T_BUF, 4, 1L << 40),
	C("pread_negative_offset", -EINVAL, SYS_pread64, T_FILEFD, T_BUF, 4, -1),
	C("pread_pipe", -ESPIPE, SYS_pread64, T_PIPER, T_BUF, 1, 0),
	C("pread_devnull", 0, SYS_pread64, T_NULLFD, T_BUF, 1, 0),
	C("pread_fd_minus1", -EBADF, SYS_pread64, -1, T_BUF, 1, 0),
	C("pread_null_buf", -EFAULT, SYS_pread64, T_FILEFD, 0, 4, 0),
	C("pread_dir", -EISDIR, SYS_pread64, T_DIRFD, T_BUF, 1, 0),
	C("pread_wronly_fd", -EBADF, SYS_pread64, T_WRFD, T_BUF, 1, 0),
	C("pwrite_file_rdonly", -EBADF, SYS_pwrite64, T_FILEFD, T_BUF, 1, 0),
	C("pwrite_negative_offset", -EINVAL, SYS_pwrite64, T_NULLFD, T_BUF, 5, -1),
	C("pwrite_pipe", -ESPIPE, SYS_pwrite64, T_PIPEW, T_BUF, 1, 0),
	C("pwrite_devnull_5", 5, SYS_pwrite64, T_NULLFD, T_BUF, 5, 0),
	C("pwrite_fd_big", -EBADF, SYS_pwrite64, BIGFD, T_BUF, 1, 0),
	/* readv / writev / preadv / pwritev */
	C("readv_file_16", 16, SYS_readv, T_FILEFD, T_IOV, 1),
	C("readv_count0", 0, SYS_readv, T_FILEFD, T_IOV, 0),
	C("readv_count_1025", -EINVAL, SYS_readv, T_FILEFD, T_IOV, 1025),
	C("readv_count_negative", -EINVAL, SYS_readv, T_FILEFD, T_IOV, -1),
	C("readv_null_iov", -EFAULT, SYS_readv, T_FILEFD, 0, 1),
	C("readv_kaddr_iov", -EFAULT, SYS_readv, T_FILEFD, KADDR, 1),
	C("readv_kaddr_base", -EFAULT, SYS_readv, T_FILEFD, T_IOV_KADDR, 1),
	C("readv_null_base", -EFAULT, SYS_readv, T_FILEFD, T_IOV_NULLBASE, 1),
	C("readv_huge_len", -EINVAL, SYS_readv, T_FILEFD, T_IOV_HUGE, 1),
	C("readv_fd_minus1", -EBADF, SYS_readv, -1, T_IOV, 1),
	C("readv_wronly_fd", -EBADF, SYS_readv, T_WRFD, T_IOV, 1),
	C("readv_dir", -EISDIR, SYS_readv, T_DIRFD, T_IOV, 1),
	C("writev_devnull_16", 16, SYS_writev, T_NULLFD, T_IOV, 1),
	C("writev_devnull_null_base", 16, SYS_writev, T_NULLFD, T_IOV_NULLBASE, 1),
	C("writev_devnull_kaddr_base", -EFAULT, SYS_writev, T_NULLFD, T_IOV_KADDR, 1),
	C("writev_count_1025", -EINVAL, SYS_writev, T_NULLFD, T_IOV, 1025),
	C("writev_huge_len", -EINVAL, SYS_writev, T_NULLFD, T_IOV_HUGE, 1),
	C("writev_rdonly_fd", -EBADF, SYS_writev, T_RDFD, T_IOV, 1),
	C("writev_pipe_16", 16, SYS_writev, T_PIPEW, T_IOV, 1),
	C("preadv_file_16", 16, SYS_preadv, T_FILEFD, T_IOV, 1, 0, 0),
	C("preadv_negative_offset", -EINVAL, SYS_preadv, T_FILEFD, T_IOV, 1, -1, 0),
	C("preadv_pipe", -ESPIPE, SYS_preadv, T_PIPER, T_IOV, 1, 0, 0),
	C("pwritev_devnull_16", 16, SYS_pwritev, T_NULLFD, T_IOV, 1, 0, 0),
	C("pwritev_file_rdonly", -EBADF, SYS_pwritev, T_FILEFD, T_IOV, 1, 0, 0),
	/* open / openat / close */
	C("open_null_path", -EFAULT, SYS_open, 0, O_RDONLY),
	C("open_kaddr_path", -EFAULT, SYS_open, KADDR, O_RDONLY),
	C("open_empty_path", -ENOENT, SYS_open, T_S_EMPTY, O_RDONLY),
	C("open_missing", -ENOENT, SYS_open, T_S_NOENT, O_RDONLY),
	C("open_through_file", -ENOTDIR, SYS_open, T_S_NOTDIR, O_RDONLY),
	C("open_path_too_long", -ENAMETOOLONG, SYS_open, T_S_LONG, O_RDONLY),
	C("open_name_too_long", -ENAMETOOLONG, SYS_open, T_S_LONGNAME, O_RDONLY),
	C("open_dir_wronly", -EISDIR, SYS_open, T_S_ROOT, O_WRONLY),
	C("open_dir_rdwr", -EISDIR, SYS_open, T_S_ROOT, O_RDWR),
	CF("open_dir_directory", T_ANY, F_CLOSE, SYS_open, T_S_ROOT, O_RDONLY | O_DIRECTORY),
	C("open_file_o_directory", -ENOTDIR, SYS_open, T_S_DEVNULL, O_RDONLY | O_DIRECTORY),
	C("open_creat_excl_existing", -EEXIST, SYS_open, T_S_DEVNULL, O_RDWR | O_CREAT | O_EXCL, 0600),
	CF("open_devnull", T_ANY, F_CLOSE, SYS_open, T_S_DEVNULL, O_RDWR),
	CF("open_self_exe_link", T_ANY, F_CLOSE, SYS_open, T_S_EXE, O_RDONLY),
	C("open_nofollow_link", -ELOOP, SYS_open, T_S_EXE, O_RDONLY | O_NOFOLLOW),
	C("openat_minus1_relative", -EBADF, SYS_openat, -1, T_S_REL, O_RDONLY),
	C("openat_big_relative", -EBADF, SYS_openat, BIGFD, T_S_REL, O_RDONLY),
	CF("openat_minus1_absolute", T_ANY, F_CLOSE, SYS_openat, -1, T_S_DEVNULL, O_RDONLY),
	CF("openat_cwd", T_ANY, F_CLOSE, SYS_openat, AT_FDCWD, T_S_DEVNULL, O_RDONLY),
	CF("openat_dirfd_relative", T_ANY, F_CLOSE, SYS_openat, T_DIRFD, T_S_DEVNULL_REL, O_RDONLY),
	C("openat_file_dirfd", -ENOTDIR, SYS_openat, T_FILEFD, T_S_REL, O_RDONLY),
	C("openat_null_path", -EFAULT, SYS_openat, AT_FDCWD, 0, O_RDONLY),
	C("openat_missing", -ENOENT, SYS_openat, T_DIRFD, T_S_REL, O_RDONLY),
	C("close_minus1", -EBADF, SYS_close, -1),
	C("close_big", -EBADF, SYS_close, BIGFD),
	C("close_closed", -EBADF, SYS_close, T_CLOSEDFD),
	C("close_open", 0, SYS_close, T_NULLFD),
	C("close_int_max", -EBADF, SYS_close, 0x7fffffff),
	/* dup / dup2 / dup3 */
	C("dup_minus1", -EBADF, SYS_dup, -1),
	C("dup_big", -EBADF, SYS_dup, BIGFD),
	C("dup_closed", -EBADF, SYS_dup, T_CLOSEDFD),
	CF("dup_open", T_ANY, F_CLOSE, SYS_dup, T_NULLFD),
	C("dup2_same", T_NULLFD, SYS_dup2, T_NULLFD, T_NULLFD),
	C("dup2_closed_same", -EBADF, SYS_dup2, T_CLOSEDFD, T_CLOSEDFD),
	C("dup2_minus1", -EBADF, SYS_dup2, -1, 100),
	C("dup2_to_minus1", -EBADF, SYS_dup2, T_NULLFD, -1),
	C("dup2_to_big", -EBADF, SYS_dup2, T_NULLFD, BIGFD),
	CF("dup2_to_100", 100, F_CLOSE100, SYS_dup2, T_NULLFD, 100),
	C("dup3_same", -EINVAL, SYS_dup3, T_NULLFD, T_NULLFD, 0),
	C("dup3_bad_flags", -EINVAL, SYS_dup3, T_NULLFD, 100, 1),
	CF("dup3_cloexec", 100, F_CLOSE100, SYS_dup3, T_NULLFD, 100, O_CLOEXEC),
	C("dup3_minus1", -EBADF, SYS_dup3, -1, 100, 0),
	C("dup3_to_big", -EBADF, SYS_dup3, T_NULLFD, BIGFD, 0),
	/* fcntl */
	C("fcntl_minus1", -EBADF, SYS_fcntl, -1, F_GETFD),
	C("fcntl_closed", -EBADF, SYS_fcntl, T_CLOSEDFD, F_GETFD),
	C("fcntl_bad_cmd", -EINVAL, SYS_fcntl, T_NULLFD, 9999),
	C("fcntl_getfd", 0, SYS_fcntl, T_NULLFD, F_GETFD),
	C("fcntl_setfd", 0, SYS_fcntl, T_NULLFD, F_SETFD, FD_CLOEXEC),
	C("fcntl_getfl_devnull", O_RDWR | 0100000 /* O_LARGEFILE, forced on 64-bit */, SYS_fcntl, T_NULLFD, F_GETFL),
	C("fcntl_getfl_pipe_read", O_RDONLY, SYS_fcntl, T_PIPER, F_GETFL),
	C("fcntl_getfl_pipe_write", O_WRONLY, SYS_fcntl, T_PIPEW, F_GETFL),
	CF("fcntl_dupfd", T_ANY, F_CLOSE, SYS_fcntl, T_NULLFD, F_DUPFD, 0),
	CF("fcntl_dupfd_100", 100, F_CLOSE100, SYS_fcntl, T_NULLFD, F_DUPFD, 100),
	C("fcntl_dupfd_big", -EINVAL, SYS_fcntl, T_NULLFD, F_DUPFD, BIGFD),
	C("fcntl_dupfd_negative", -EINVAL, SYS_fcntl, T_NULLFD, F_DUPFD, -1),
	CF("fcntl_dupfd_cloexec", T_ANY, F_CLOSE, SYS_fcntl, T_NULLFD, F_DUPFD_CLOEXEC, 0),
	C("fcntl_setfl_nonblock", 0, SYS_fcntl, T_PIPER, F_SETFL, O_NONBLOCK),
	/* lseek */
	C("lseek_set_0", 0, SYS_lseek, T_FILEFD, 0, SEEK_SET),
	C("lseek_cur_10", 10, SYS_lseek, T_FILEFD, 10, SEEK_CUR),
	C("lseek_set_far", 1L << 40, SYS_lseek, T_FILEFD, 1L << 40, SEEK_SET),
	C("lseek_end", T_FILESIZE, SYS_lseek, T_FILEFD, 0, SEEK_END),
	C("lseek_negative", -EINVAL, SYS_lseek, T_FILEFD, -1, SEEK_SET),
	C("lseek_cur_negative", -EINVAL, SYS_lseek, T_FILEFD, -5, SEEK_CUR),
	C("lseek_bad_whence", -EINVAL, SYS_lseek, T_FILEFD, 0, 99),
	C("lseek_pipe", -ESPIPE, SYS_lseek, T_PIPER, 0, SEEK_SET),
	C("lseek_minus1", -EBADF, SYS_lseek, -1, 0, SEEK_SET),
	C("lseek_devnull", 0, SYS_lseek, T_NULLFD, 123, SEEK_SET),
	C("lseek_dir", 0, SYS_lseek, T_DIRFD, 0, SEEK_SET),
	/* stat family */
	C("stat_devnull", 0, SYS_stat, T_S_DEVNULL, T_BUF),
	C("stat_null_path", -EFAULT, SYS_stat, 0, T_BUF),
	C("stat_kaddr_path", -EFAULT, SYS_stat, KADDR, T_BUF),
	C("stat_null_buf", -EFAULT, SYS_stat, T_S_DEVNULL, 0),
	C("stat_kaddr_buf", -EFAULT, SYS_stat, T_S_DEVNULL, KADDR),
	C("stat_empty", -ENOENT, SYS_stat, T_S_EMPTY, T_BUF),
	C("stat_missing", -ENOENT, SYS_stat, T_S_NOENT, T_BUF),
	C("stat_through_file", -ENOTDIR, SYS_stat, T_S_NOTDIR, T_BUF),
	C("stat_too_long", -ENAMETOOLONG, SYS_stat, T_S_LONG, T_BUF),
	C("fstat_open", 0, SYS_fstat, T_NULLFD, T_BUF),
	C("fstat_minus1", -EBADF, SYS_fstat, -1, T_BUF),
	C("fstat_closed", -EBADF, SYS_fstat, T_CLOSEDFD, T_BUF),
	C("fstat_null_buf", -EFAULT, SYS_fstat, T_NULLFD, 0),
	C("fstat_pipe", 0, SYS_fstat, T_PIPER, T_BUF),
	C("lstat_link", 0, SYS_lstat, T_S_EXE, T_BUF),
	C("lstat_null_path", -EFAULT, SYS_lstat, 0, T_BUF),
	C("lstat_missing", -ENOENT, SYS_lstat, T_S_NOENT, T_BUF),
	C("lstat_null_buf", -EFAULT, SYS_lstat, T_S_DEVNULL, 0),
	C("newfstatat_cwd", 0, SYS_newfstatat, AT_FDCWD, T_S_DEVNULL, T_BUF, 0),
	C("newfstatat_bad_flags", -EINVAL, SYS_newfstatat, AT_FDCWD, T_S_DEVNULL, T_BUF, 1),
	C("newfstatat_empty_path_flag", 0, SYS_newfstatat, T_NULLFD, T_S_EMPTY, T_BUF, AT_EMPTY_PATH),
	C("newfstatat_empty_no_flag", -ENOENT, SYS_newfstatat, T_NULLFD, T_S_EMPTY, T_BUF, 0),
	C("newfstatat_minus1_relative", -EBADF, SYS_newfstatat, -1, T_S_REL, T_BUF, 0),
	C("newfstatat_file_dirfd", -ENOTDIR, SYS_newfstatat, T_FILEFD, T_S_REL, T_BUF, 0),
	C("newfstatat_nofollow", 0, SYS_newfstatat, AT_FDCWD, T_S_PROCSELF, T_BUF, AT_SYMLINK_NOFOLLOW),
	C("newfstatat_dirfd_relative", 0, SYS_newfstatat, T_DIRFD, T_S_DEVNULL_REL, T_BUF, 0),
	C("statx_devnull", 0, SYS_statx, AT_FDCWD, T_S_DEVNULL, 0, 0x7ff, T_BUF),
	C("statx_bad_flags", -EINVAL, SYS_statx, AT_FDCWD, T_S_DEVNULL, 0x80000000L, 0x7ff, T_BUF),
	C("statx_reserved_mask", -EINVAL, SYS_statx, AT_FDCWD, T_S_DEVNULL, 0, 0x80000000L, T_BUF),
	C("statx_null_path", -EFAULT, SYS_statx, AT_FDCWD, 0, 0, 0x7ff, T_BUF),
	C("statx_null_buf", -EFAULT, SYS_statx, AT_FDCWD, T_S_DEVNULL, 0, 0x7ff, 0),
	C("statx_minus1_relative", -EBADF, SYS_statx, -1, T_S_REL, 0, 0x7ff, T_BUF),
	/* access / faccessat */
	C("access_f_ok", 0, SYS_access, T_S_DEVNULL, F_OK),
	C("access_bad_mode", -EINVAL, SYS_access, T_S_DEVNULL, 8),
	C("access_null", -EFAULT, SYS_access, 0, F_OK),
	C("access_missing", -ENOENT, SYS_access, T_S_NOENT, F_OK),
	C("access_root_x", 0, SYS_access, T_S_ROOT, X_OK),
	C("access_through_file", -ENOTDIR, SYS_access, T_S_NOTDIR, F_OK),
	C("faccessat_cwd", 0, SYS_faccessat, AT_FDCWD, T_S_DEVNULL, R_OK),
	C("faccessat_minus1_relative", -EBADF, SYS_faccessat, -1, T_S_REL, F_OK),
	C("faccessat_bad_mode", -EINVAL, SYS_faccessat, AT_FDCWD, T_S_DEVNULL, 0x10),
	/* readlink / readlinkat */
	C("readlink_self_exe", T_SELFLEN, SYS_readlink, T_S_EXE, T_BUF, 4096),
	C("readlink_truncated", 4, SYS_readlink, T_S_EXE, T_BUF, 4),
	C("readlink_size0", -EINVAL, SYS_readlink, T_S_EXE, T_BUF, 0),
	C("readlink_size_negative", -EINVAL, SYS_readlink, T_S_EXE, T_BUF, -1),
	C("readlink_not_link", -EINVAL, SYS_readlink, T_S_DEVNULL, T_BUF, 64),
	C("readlink_null_path", -EFAULT, SYS_readlink, 0, T_BUF, 64),
	C("readlink_missing", -ENOENT, SYS_readlink, T_S_NOENT, T_BUF, 64),
	C("readlink_kaddr_buf", -EFAULT, SYS_readlink, T_S_EXE, KADDR, 64),
	C("readlinkat_cwd", T_SELFLEN, SYS_readlinkat, AT_FDCWD, T_S_EXE, T_BUF, 4096),
	C("readlinkat_minus1_relative", -EBADF, SYS_readlinkat, -1, T_S_REL, T_BUF, 64),
	/* getcwd / chdir (the cwd is / on both) */
	C("getcwd_root", 2, SYS_getcwd, T_BUF, 4096),
	C("getcwd_size1", -ERANGE, SYS_getcwd, T_BUF, 1),
	C("getcwd_size0", -ERANGE, SYS_getcwd, T_BUF, 0),
	C("getcwd_null", -EFAULT, SYS_getcwd, 0, 4096),
	C("getcwd_kaddr", -EFAULT, SYS_getcwd, KADDR, 100),
	C("chdir_null", -EFAULT, SYS_chdir, 0),
	C("chdir_missing", -ENOENT, SYS_chdir, T_S_NOENT),
	C("chdir_file", -ENOTDIR, SYS_chdir, T_S_DEVNULL),
	C("chdir_empty", -ENOENT, SYS_chdir, T_S_EMPTY),
	C("chdir_root", 0, SYS_chdir, T_S_ROOT),
	/* getdents64 / ioctl */
	C("getdents64_minus1", -EBADF, SYS_getdents64, -1, T_BUF, 4096),
	C("getdents64_file", -ENOTDIR, SYS_getdents64, T_FILEFD, T_BUF, 4096),
	C("getdents64_tiny_buf", -EINVAL, SYS_getdents64, T_DIRFD, T_BUF, 1),
	C("getdents64_null_buf", -EFAULT, SYS_getdents64, T_DIRFD, 0, 4096),
	C("ioctl_minus1", -EBADF, SYS_ioctl, -1, 0x5401, T_BUF),
	C("ioctl_devnull_tcgets", -ENOTTY, SYS_ioctl, T_NULLFD, 0x5401, T_BUF),
	C("ioctl_pipe_fionread", 0, SYS_ioctl, T_PIPER, 0x541b, T_BUF),
	/* pipe / pipe2 */
	CF("pipe_ok", 0, F_PIPEFDS, SYS_pipe, T_BUF),
	C("pipe_null", -EFAULT, SYS_pipe, 0),
	C("pipe_kaddr", -EFAULT, SYS_pipe, KADDR),
	C("pipe2_bad_flags", -EINVAL, SYS_pipe2, T_BUF, 0xffff),
	CF("pipe2_cloexec", 0, F_PIPEFDS, SYS_pipe2, T_BUF, O_CLOEXEC),
	CF("pipe2_nonblock", 0, F_PIPEFDS, SYS_pipe2, T_BUF, O_NONBLOCK),
	C("pipe2_null", -EFAULT, SYS_pipe2, 0, 0),
	/* poll / ppoll */
	C("poll_none", 0, SYS_poll, 0, 0, 0),
	C("poll_null_fds", -EFAULT, SYS_poll, 0, 1, 0),
	C("poll_too_many", -EINVAL, SYS_poll, T_BUF, 1L << 30, 0),
	C("poll_fd_negative_ignored", 0, SYS_poll, T_PFD_NEG, 1, 0),
	C("poll_devnull_ready", 1, SYS_poll, T_PFD_NULL, 1, 0),
	C("poll_bad_fd_pollnval", 1, SYS_poll, T_PFD_BIG, 1, 0),
	C("poll_empty_pipe", 0, SYS_poll, T_PFD_PIPER, 1, 0),
	C("poll_kaddr_fds", -EFAULT, SYS_poll, KADDR, 1, 0),
	C("ppoll_none", 0, SYS_ppoll, 0, 0, T_TS0, 0, 8),
	C("ppoll_bad_nsec", -EINVAL, SYS_ppoll, 0, 0, T_TS_BADNS, 0, 8),
	C("ppoll_negative_time", -EINVAL, SYS_ppoll, 0, 0, T_TS_NEG, 0, 8),
	C("ppoll_bad_sigsetsize", -EINVAL, SYS_ppoll, 0, 0, T_TS0, T_BUF, 4),
	C("ppoll_devnull_ready", 1, SYS_ppoll, T_PFD_NULL, 1, T_TS0, 0, 8),
	C("ppoll_kaddr_timeout", -EFAULT, SYS_ppoll, 0, 0, KADDR, 0, 8),
	/* mmap */
	CF("mmap_anon", T_ANY, F_UNMAP, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	C("mmap_len0", -EINVAL, SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	C("mmap_no_type", -EINVAL, SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0),
	C("mmap_unaligned_offset", -EINVAL, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1),
	C("mmap_file_fd_minus1", -EBADF, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, -1, 0),
	C("mmap_file_fd_big", -EBADF, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, BIGFD, 0),
	C("mmap_fixed_unaligned", -EINVAL, SYS_mmap, 0x10000001, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	C("mmap_huge_len", -ENOMEM, SYS_mmap, 0, 0xfffffffffffff000L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	C("mmap_fixed_kaddr", -ENOMEM, SYS_mmap, KADDR, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	C("mmap_fixed_past_user", -ENOMEM, SYS_mmap, PAST, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	C("mmap_wronly_file_read", -EACCES, SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, T_WRFD, 0),
	C("mmap_rdonly_shared_write", -EACCES, SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, T_FILEFD, 0),
	CF("mmap_rdonly_private_write", T_ANY, F_UNMAP, SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, T_FILEFD, 0),
	C("mmap_fixed_over_map", T_MAP, SYS_mmap, T_MAP, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	C("mmap_fixed_noreplace_taken", -EEXIST, SYS_mmap, T_MAP, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
	C("mmap_pipe", -ENODEV, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, T_PIPER, 0),
	C("mmap_dir", -ENODEV, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, T_DIRFD, 0),
	/* munmap / mprotect / madvise / mremap / brk */
	C("munmap_map", 0, SYS_munmap, T_MAP, 8192),
	C("munmap_unaligned", -EINVAL, SYS_munmap, 0x10000001, 4096),
	C("munmap_len0", -EINVAL, SYS_munmap, T_MAP, 0),
	C("munmap_kaddr", -EINVAL, SYS_munmap, KADDR, 4096),
	C("munmap_unmapped", 0, SYS_munmap, T_MAPEND, 4096),
	C("munmap_wraps", -EINVAL, SYS_munmap, T_MAP, -4096L),
	C("mprotect_map", 0, SYS_mprotect, T_MAP, 8192, PROT_READ),
	C("mprotect_len0", 0, SYS_mprotect, T_MAP, 0, PROT_READ),
	C("mprotect_unaligned", -EINVAL, SYS_mprotect, 0x10000001, 4096, PROT_READ),
	C("mprotect_bad_prot", -EINVAL, SYS_mprotect, T_MAP, 4096, 0x1000),
	C("mprotect_unmapped", -ENOMEM, SYS_mprotect, T_MAPEND, 4096, PROT_READ),
	C("mprotect_runs_off_map", -ENOMEM, SYS_mprotect, T_MAP, 16384, PROT_READ),
	C("mprotect_kaddr", -ENOMEM, SYS_mprotect, KADDR, 4096, PROT_READ),
	C("mprotect_wraps", -ENOMEM, SYS_mprotect, T_MAP, -4096L, PROT_READ),
	C("madvise_dontneed", 0, SYS_madvise, T_MAP, 8192, MADV_DONTNEED),
	C("madvise_unaligned", -EINVAL, SYS_madvise, 0x10000001, 4096, MADV_NORMAL),
	C("madvise_bad_advice", -EINVAL, SYS_madvise, T_MAP, 4096, 9999),
	C("madvise_unmapped", -ENOMEM, SYS_madvise, T_MAPEND, 4096, MADV_NORMAL),
	C("madvise_len0", 0, SYS_madvise, T_MAP, 0, MADV_NORMAL),
	C("madvise_willneed", 0, SYS_madvise, T_MAP, 8192, MADV_WILLNEED),
	C("mremap_shrink", T_MAP, SYS_mremap, T_MAP, 8192, 4096, 0),
	C("mremap_same", T_MAP, SYS_mremap, T_MAP, 8192, 8192, 0),
	C("mremap_unaligned", -EINVAL, SYS_mremap, 0x10000001, 4096, 4096, 0),
	C("mremap_bad_flags", -EINVAL, SYS_mremap, T_MAP, 4096, 4096, 0x80),
	C("mremap_new_len0", -EINVAL, SYS_mremap, T_MAP, 8192, 0, 0),
	C("mremap_unmapped", -EFAULT, SYS_mremap, T_MAPEND, 4096, 8192, 0),
	C("mremap_fixed_without_maymove", -EINVAL, SYS_mremap, T_MAP, 4096, 4096, MREMAP_FIXED, 0x20000000),
	C("mremap_huge", -ENOMEM, SYS_mremap, T_MAP, 4096, 0xfffffffffffff000L, MREMAP_MAYMOVE),
	C("brk_query", T_BRK, SYS_brk, 0),
	C("brk_too_low", T_BRK, SYS_brk, 1),
	C("brk_kaddr", T_BRK, SYS_brk, KADDR),
	/* signals */
	C("kill_self_0", 0, SYS_kill, T_PID, 0),
	C("kill_bad_signal", -EINVAL, SYS_kill, T_PID, 65),
	C("kill_negative_signal", -EINVAL, SYS_kill, T_PID, -1),
	C("kill_missing", -ESRCH, SYS_kill, 999999, 0),
	C("kill_int_min", -ESRCH, SYS_kill, -0x80000000L, 0), /* Linux >= 4.17; earlier an overflow */
	C("tkill_self_0", 0, SYS_tkill, T_PID, 0),
	C("tkill_minus1", -EINVAL, SYS_tkill, -1, 0),
	C("tkill_missing", -ESRCH, SYS_tkill, 999999, 0),
	C("tgkill_self_0", 0, SYS_tgkill, T_PID, T_PID, 0),
	C("tgkill_missing_tid", -ESRCH, SYS_tgkill, T_PID, 999999, 0),
	C("tgkill_tgid0", -EINVAL, SYS_tgkill, 0, T_PID, 0),
	C("tgkill_bad_signal", -EINVAL, SYS_tgkill, T_PID, T_PID, 65),
	C("tgkill_wrong_tgid", -ESRCH, SYS_tgkill, 999999, T_PID, 0),
	C("sigaction_query", 0, SYS_rt_sigaction, SIGUSR1, 0, T_BUF, 8),
	C("sigaction_nothing", 0, SYS_rt_sigaction, SIGUSR1, 0, 0, 8),
	C("sigaction_sigkill", -EINVAL, SYS_rt_sigaction, SIGKILL, T_BUF, 0, 8),
	C("sigaction_sigstop", -EINVAL, SYS_rt_sigaction, SIGSTOP, T_BUF, 0, 8),
	C("sigaction_query_sigkill", 0, SYS_rt_sigaction, SIGKILL, 0, T_BUF, 8),
	C("sigaction_signal0", -EINVAL, SYS_rt_sigaction, 0, 0, T_BUF, 8),
	C("sigaction_signal65", -EINVAL, SYS_rt_sigaction, 65, 0, T_BUF, 8),
	C("sigaction_bad_setsize", -EINVAL, SYS_rt_sigaction, SIGUSR1, 0, T_BUF, 4),
	C("sigaction_kaddr_act", -EFAULT, SYS_rt_sigaction, SIGUSR1, KADDR, 0, 8),
	C("sigaction_kaddr_oldact", -EFAULT, SYS_rt_sigaction, SIGUSR1, 0, KADDR, 8),
	C("sigprocmask_query", 0, SYS_rt_sigprocmask, SIG_BLOCK, 0, T_BUF, 8),
	C("sigprocmask_bad_how", -EINVAL, SYS_rt_sigprocmask, 99, T_BUF, 0, 8),
	C("sigprocmask_bad_how_no_set", 0, SYS_rt_sigprocmask, 99, 0, T_BUF, 8),
	C("sigprocmask_bad_setsize", -EINVAL, SYS_rt_sigprocmask, SIG_BLOCK, 0, T_BUF, 4),
	C("sigprocmask_kaddr_set", -EFAULT, SYS_rt_sigprocmask, SIG_BLOCK, KADDR, 0, 8),
	C("sigprocmask_kaddr_old", -EFAULT, SYS_rt_sigprocmask, SIG_BLOCK, 0, KADDR, 8),
	C("sigprocmask_block_empty", 0, SYS_rt_sigprocmask, SIG_BLOCK, T_BUF, 0, 8),
	C("sigpending", 0, SYS_rt_sigpending, T_BUF, 8),
	C("sigpending_big_size", -EINVAL, SYS_rt_sigpending, T_BUF, 16),
	C("sigpending_kaddr", -EFAULT, SYS_rt_sigpending, KADDR, 8),
	C("sigtimedwait_nothing", -EAGAIN, SYS_rt_sigtimedwait, T_BUF, 0, T_TS0, 8),
	C("sigtimedwait_bad_size", -EINVAL, SYS_rt_sigtimedwait, T_BUF, 0, T_TS0, 4),
	C("sigtimedwait_bad_nsec", -EINVAL, SYS_rt_sigtimedwait, T_BUF, 0, T_TS_BADNS, 8),
	C("sigtimedwait_kaddr_set", -EFAULT, SYS_rt_sigtimedwait, KADDR, 0, T_TS0, 8),
	C("sigsuspend_bad_size", -EINVAL, SYS_rt_sigsuspend, T_BUF, 4),
	C("sigsuspend_kaddr", -EFAULT, SYS_rt_sigsuspend, KADDR, 8),
	C("sigaltstack_query", 0, SYS_sigaltstack, 0, T_BUF),
	C("sigaltstack_kaddr_old", -EFAULT, SYS_sigaltstack, 0, KADDR),
	C("sigqueueinfo_self_sig0", 0, SYS_rt_sigqueueinfo, T_PID, 0, T_BUF),
	C("sigqueueinfo_other_si_user", -EPERM, SYS_rt_sigqueueinfo, 999999, 0, T_BUF),
	C("sigqueueinfo_kaddr", -EFAULT, SYS_rt_sigqueueinfo, T_PID, 0, KADDR),
	/* priorities */
	C("getpriority_self", 20, SYS_getpriority, 0, 0),
	C("getpriority_bad_which", -EINVAL, SYS_getpriority, 99, 0),
	C("getpriority_missing", -ESRCH, SYS_getpriority, 0, 999999),
	C("setpriority_self_0", 0, SYS_setpriority, 0, 0, 0),
	C("setpriority_missing", -ESRCH, SYS_setpriority, 0, 999999, 0),
	C("setpriority_bad_which", -EINVAL, SYS_setpriority, 99, 0, 0),
	/* time */
	C("clock_gettime_realtime", 0, SYS_clock_gettime, CLOCK_REALTIME, T_BUF),
	C("clock_gettime_monotonic", 0, SYS_clock_gettime, CLOCK_MONOTONIC, T_BUF),
	C("clock_gettime_process_cpu", 0, SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, T_BUF),
	C("clock_gettime_thread_cpu", 0, SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, T_BUF),
	C("clock_gettime_monotonic_raw", 0, SYS_clock_gettime, CLOCK_MONOTONIC_RAW, T_BUF),
	C("clock_gettime_realtime_coarse", 0, SYS_clock_gettime, CLOCK_REALTIME_COARSE, T_BUF),
	C("clock_gettime_monotonic_coarse", 0, SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, T_BUF),
	C("clock_gettime_boottime", 0, SYS_clock_gettime, CLOCK_BOOTTIME, T_BUF),
	C("clock_gettime_bad_clock", -EINVAL, SYS_clock_gettime, 99, T_BUF),
	C("clock_gettime_null", -EFAULT, SYS_clock_gettime, CLOCK_MONOTONIC, 0),
	C("clock_gettime_kaddr", -EFAULT, SYS_clock_gettime, CLOCK_MONOTONIC, KADDR),
	C("clock_getres_monotonic", 0, SYS_clock_getres, CLOCK_MONOTONIC, T_BUF),
	C("clock_getres_null", 0, SYS_clock_getres, CLOCK_MONOTONIC, 0),
	C("clock_getres_bad_clock", -EINVAL, SYS_clock_getres, 99, T_BUF),
	C("clock_getres_kaddr", -EFAULT, SYS_clock_getres, CLOCK_REALTIME, KADDR),
	C("nanosleep_zero", 0, SYS_nanosleep, T_TS0, 0),
	C("nanosleep_bad_nsec", -EINVAL, SYS_nanosleep, T_TS_BADNS, 0),
	C("nanosleep_negative", -EINVAL, SYS_nanosleep, T_TS_NEG, 0),
	C("nanosleep_null", -EFAULT, SYS_nanosleep, 0, 0),
	C("nanosleep_kaddr", -EFAULT, SYS_nanosleep, KADDR, 0),
	C("clock_nanosleep_zero", 0, SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, T_TS0, 0),
	C("clock_nanosleep_bad_clock", -EINVAL, SYS_clock_nanosleep, 99, 0, T_TS0, 0),
	C("clock_nanosleep_bad_nsec", -EINVAL, SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, T_TS_BADNS, 0),
	C("clock_nanosleep_thread_cpu", -EOPNOTSUPP, SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, T_TS0, 0), /* no nsleep for this clock (6.1) */
	C("clock_nanosleep_abs_past", 0, SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, T_TS0, 0),
	C("gettimeofday_ok", 0, SYS_gettimeofday, T_BUF, 0),
	C("gettimeofday_null", 0, SYS_gettimeofday, 0, 0),
	C("gettimeofday_kaddr", -EFAULT, SYS_gettimeofday, KADDR, 0),
	C("time_null", T_ANY, SYS_time, 0),
	C("time_kaddr", -EFAULT, SYS_time, KADDR),
	/* limits and system queries */
	C("getrlimit_nofile", 0, SYS_getrlimit, RLIMIT_NOFILE, T_BUF),
	C("getrlimit_bad_resource", -EINVAL, SYS_getrlimit, 99, T_BUF),
	C("getrlimit_null", -EFAULT, SYS_getrlimit, RLIMIT_NOFILE, 0),
	C("setrlimit_cur_over_max", -EINVAL, SYS_setrlimit, RLIMIT_NOFILE, T_RLIM_BAD),
	C("setrlimit_bad_resource", -EINVAL, SYS_setrlimit, 99, T_BUF),
	C("setrlimit_null", -EFAULT, SYS_setrlimit, RLIMIT_NOFILE, 0),
	C("prlimit_get", 0, SYS_prlimit64, 0, RLIMIT_NOFILE, 0, T_BUF),
	C("prlimit_self_pid", 0, SYS_prlimit64, T_PID, RLIMIT_STACK, 0, T_BUF),
	C("prlimit_nothing", 0, SYS_prlimit64, 0, RLIMIT_NOFILE, 0, 0),
	C("prlimit_bad_resource", -EINVAL, SYS_prlimit64, 0, 99, 0, T_BUF),
	C("prlimit_missing_pid", -ESRCH, SYS_prlimit64, 999999, RLIMIT_NOFILE, 0, T_BUF),
	C("prlimit_kaddr_new", -EFAULT, SYS_prlimit64, 0, RLIMIT_NOFILE, KADDR, 0),
	C("prlimit_cur_over_max", -EINVAL, SYS_prlimit64, 0, RLIMIT_NOFILE, T_RLIM_BAD, 0),
	C("uname_ok", 0, SYS_uname, T_BUF),
	C("uname_null", -EFAULT, SYS_uname, 0),
	C("uname_kaddr", -EFAULT, SYS_uname, KADDR),
	C("sysinfo_ok", 0, SYS_sysinfo, T_BUF),
	C("sysinfo_null", -EFAULT, SYS_sysinfo, 0),
	C("getrusage_self", 0, SYS_getrusage, RUSAGE_SELF, T_BUF),
	C("getrusage_children", 0, SYS_getrusage, RUSAGE_CHILDREN, T_BUF),
	C("getrusage_thread", 0, SYS_getrusage, 1 /* RUSAGE_THREAD */, T_BUF),
	C("getrusage_bad_who", -EINVAL, SYS_getrusage, 99, T_BUF),
	C("getrusage_null", -EFAULT, SYS_getrusage, RUSAGE_SELF, 0),
	C("times_null", T_ANY, SYS_times, 0),
	C("times_kaddr", -EFAULT, SYS_times, KADDR),
	C("getrandom_16", 16, SYS_getrandom, T_BUF, 16, 0),
	C("getrandom_0", 0, SYS_getrandom, T_BUF, 0, 0),
	C("getrandom_nonblock", 16, SYS_getrandom, T_BUF, 16, 1),
	C("getrandom_random", 16, SYS_getrandom, T_BUF, 16, 2),
	C("getrandom_bad_flags", -EINVAL, SYS_getrandom, T_BUF, 16, 0xff00),
	C("getrandom_random_insecure", -EINVAL, SYS_getrandom, T_BUF, 16, 6), /* GRND_INSECURE: 5.6+ */
	C("getrandom_null", -EFAULT, SYS_getrandom, 0, 16, 0),
	C("getrandom_kaddr", -EFAULT, SYS_getrandom, KADDR, 16, 0),
	C("prctl_bad_option", -EINVAL, SYS_prctl, 9999, 0, 0, 0, 0),
	C("prctl_get_dumpable", 1, SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0),
	C("prctl_set_name", 0, SYS_prctl, PR_SET_NAME, T_S_REL, 0, 0, 0),
	C("prctl_get_name", 0, SYS_prctl, PR_GET_NAME, T_BUF, 0, 0, 0),
	C("prctl_set_name_null", -EFAULT, SYS_prctl, PR_SET_NAME, 0, 0, 0, 0),
	C("prctl_get_no_new_privs", 0, SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
	C("prctl_get_pdeathsig", 0, SYS_prctl, PR_GET_PDEATHSIG, T_BUF, 0, 0, 0),
	C("prctl_set_pdeathsig_bad", -EINVAL, SYS_prctl, PR_SET_PDEATHSIG, 99, 0, 0, 0),
	C("arch_prctl_bad_code", -EINVAL, SYS_arch_prctl, 0x9999, 0),
	C("arch_prctl_get_fs", 0, SYS_arch_prctl, 0x1003, T_BUF),
	C("arch_prctl_get_fs_null", -EFAULT, SYS_arch_prctl, 0x1003, 0),
	C("arch_prctl_set_fs_kaddr", -EPERM, SYS_arch_prctl, 0x1002, KADDR),
	C("sched_yield", 0, SYS_sched_yield),
	C("sched_getaffinity_8", 8, SYS_sched_getaffinity, 0, 8, T_BUF), /* cpumask_size() here */
	C("sched_getaffinity_short", -EINVAL, SYS_sched_getaffinity, 0, 4, T_BUF),
	C("sched_getaffinity_missing", -ESRCH, SYS_sched_getaffinity, 999999, 8, T_BUF),
	C("sched_getaffinity_null", -EFAULT, SYS_sched_getaffinity, 0, 8, 0),
	/* processes */
	C("wait4_no_children", -ECHILD, SYS_wait4, -1, T_BUF, 0, 0),
	C("wait4_wnohang_no_children", -ECHILD, SYS_wait4, -1, T_BUF, WNOHANG, 0),
	C("wait4_bad_options", -EINVAL, SYS_wait4, -1, T_BUF, 0x1000, 0),
	C("wait4_missing", -ECHILD, SYS_wait4, 999999, T_BUF, 0, 0),
	C("waitid_no_children", -ECHILD, SYS_waitid, P_ALL, 0, T_BUF, WEXITED, 0),
	C("waitid_no_event", -EINVAL, SYS_waitid, P_ALL, 0, T_BUF, 0, 0),
	C("waitid_bad_type", -EINVAL, SYS_waitid, 99, 0, T_BUF, WEXITED, 0),
	C("waitid_missing", -ECHILD, SYS_waitid, P_PID, 999999, T_BUF, WEXITED, 0),
	C("gettid_is_pid", T_PID, SYS_gettid),
	C("getpid", T_PID, SYS_getpid),
	C("getuid", 0, SYS_getuid),
	C("geteuid", 0, SYS_geteuid),
	C("getgid", 0, SYS_getgid),
	C("getegid", 0, SYS_getegid),
	C("getpgid_missing", -ESRCH, SYS_getpgid, 999999),
	C("getsid_missing", -ESRCH, SYS_getsid, 999999),
	C("setpgid_negative_pid", -EINVAL, SYS_setpgid, -1, 0),
	C("setpgid_negative_pgid", -EINVAL, SYS_setpgid, 0, -1),
	C("getgroups_bad_size", -EINVAL, SYS_getgroups, -1, T_BUF),
	C("execve_null", -EFAULT, SYS_execve, 0, 0, 0),
	C("execve_missing", -ENOENT, SYS_execve, T_S_NOENT, 0, 0),
	C("execve_dir", -EACCES, SYS_execve, T_S_ROOT, 0, 0),
	C("execve_through_file", -ENOTDIR, SYS_execve, T_S_NOTDIR, 0, 0),
	CF("pidfd_open_self", T_ANY, F_CLOSE, SYS_pidfd_open, T_PID, 0),
	C("pidfd_open_missing", -ESRCH, SYS_pidfd_open, 999999, 0),
	C("pidfd_open_bad_flags", -EINVAL, SYS_pidfd_open, T_PID, 1),
	C("pidfd_open_negative", -EINVAL, SYS_pidfd_open, -1, 0),
	C("pidfd_send_signal_minus1", -EBADF, SYS_pidfd_send_signal, -1, 0, 0, 0),
	C("pidfd_send_signal_not_pidfd", -EBADF, SYS_pidfd_send_signal, T_NULLFD, 0, 0, 0),
	C("set_robust_list_bad_len", -EINVAL, SYS_set_robust_list, T_BUF, 23),
	C("sendfile_to_devnull", 16, SYS_sendfile, T_NULLFD, T_FILEFD, 0, 16),
	C("sendfile_minus1_out", -EBADF, SYS_sendfile, -1, T_FILEFD, 0, 16),
	C("sendfile_wronly_in", -EBADF, SYS_sendfile, T_NULLFD, T_WRFD, 0, 16),
	C("set_mempolicy_bad_mode", -EINVAL, SYS_set_mempolicy, 99, 0, 0),
	C("get_mempolicy_plain", 0, SYS_get_mempolicy, 0, 0, 0, 0, 0),
	C("unknown_syscall_999", -ENOSYS, 999),
	C("unknown_syscall_negative", -ENOSYS, -1),
};

static char buf[8192] __attribute__((aligned(4096)));
static char longpath[5000], longname[300];
static struct iovec iov[1];
static struct timespec ts;
static struct pollfd pfd;
static long rlim[2];
static int fds[16];
static long map, filesize, self_len;

static long open_fd(const char *path, int flags)
{
	return syscall(SYS_open, path, flags);
}

static void setup(void)
{
	int p[2];
	memset(buf, 0, sizeof buf);
	fds[T_NULLFD - T_FIRST] = open_fd("/dev/null", O_RDWR);
	fds[T_RDFD - T_FIRST] = open_fd("/dev/null", O_RDONLY);
	fds[T_WRFD - T_FIRST] = open_fd("/dev/null", O_WRONLY);
	fds[T_FILEFD - T_FIRST] = open_fd(SELF, O_RDONLY);
	fds[T_DIRFD - T_FIRST] = open_fd("/", O_RDONLY | O_DIRECTORY);
	/* a number no later open reuses */
	fds[T_CLOSEDFD - T_FIRST] = syscall(SYS_dup2, fds[T_RDFD - T_FIRST], 200);
	close(200);
	if (pipe(p) == 0) {
		fds[T_PIPER - T_FIRST] = p[0];
		fds[T_PIPEW - T_FIRST] = p[1];
	}
	if (pipe(p) == 0) {
		close(p[0]);
		fds[T_LONEW - T_FIRST] = p[1];
	}
	map = syscall(SYS_mmap, 0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_munmap, map + 8192, 4096);
}

static void teardown(void)
{
	for (int t = T_NULLFD; t <= T_LONEW; t++)
		if (t != T_CLOSEDFD)
			close(fds[t - T_FIRST]);
	syscall(SYS_munmap, map, 8192);
}

static long resolve(long v)
{
	switch (v) {
	case T_BUF: return (long)buf;
	case T_NULLFD: case T_RDFD: case T_WRFD: case T_FILEFD: case T_DIRFD: case T_CLOSEDFD:
	case T_PIPER: case T_PIPEW: case T_LONEW:
		return fds[v - T_FIRST];
	case T_MAP: return map;
	case T_MAPEND: return map + 8192;
	case T_PID: return getpid();
	case T_BRK: return syscall(SYS_brk, 0);
	case T_FILESIZE: return filesize;
	case T_SELFLEN: return self_len;
	case T_IOV: iov[0] = (struct iovec){ buf, 16 }; return (long)iov;
	case T_IOV_KADDR: iov[0] = (struct iovec){ (void *)KADDR, 16 }; return (long)iov;
	case T_IOV_NULLBASE: iov[0] = (struct iovec){ 0, 16 }; return (long)iov;
	case T_IOV_HUGE: iov[0] = (struct iovec){ buf, 1UL << 63 }; return (long)iov;
	case T_TS0: ts = (struct timespec){ 0, 0 }; return (long)&ts;
	case T_TS_BADNS: ts = (struct timespec){ 0, 1000000000 }; return (long)&ts;
	case T_TS_NEG: ts = (struct timespec){ -1, 0 }; return (long)&ts;
	case T_PFD_NULL: pfd = (struct pollfd){ fds[T_NULLFD - T_FIRST], POLLIN, 0 }; return (long)&pfd;
	case T_PFD_NEG: pfd = (struct pollfd){ -1, POLLIN, 0 }; return (long)&pfd;
	case T_PFD_BIG: pfd = (struct pollfd){ BIGFD, POLLIN, 0 }; return (long)&pfd;
	case T_PFD_PIPER: pfd = (struct pollfd){ fds[T_PIPER - T_FIRST], POLLIN, 0 }; return (long)&pfd;
	case T_RLIM_BAD: rlim[0] = 2048; rlim[1] = 1024; return (long)rlim;
	case T_S_DEVNULL: return (long)"/dev/null";
	case T_S_EMPTY: return (long)"";
	case T_S_NOENT: return (long)"/nonexistent";
	case T_S_ROOT: return (long)"/";
	case T_S_NOTDIR: return (long)"/dev/null/x";
	case T_S_LONG: return (long)longpath;
	case T_S_LONGNAME: return (long)longname;
	case T_S_EXE: return (long)"/proc/self/exe";
	case T_S_PROCSELF: return (long)"/proc/self";
	case T_S_SELF: return (long)SELF;
	case T_S_REL: return (long)"conformance-no-such-file";
	case T_S_DEVNULL_REL: return (long)"dev/null";
	}
	return v;
}

static const char *errname(long v)
{
	static const char *names[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR",
		[EBADF] = "EBADF", [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
		[EACCES] = "EACCES", [EFAULT] = "EFAULT", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV",
		[ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENOTTY] = "ENOTTY",
		[ESPIPE] = "ESPIPE", [EPIPE] = "EPIPE", [ERANGE] = "ERANGE", [ENAMETOOLONG] = "ENAMETOOLONG",
		[ENOSYS] = "ENOSYS", [ELOOP] = "ELOOP", [EMFILE] = "EMFILE", [EOPNOTSUPP] = "EOPNOTSUPP",
	};
	if (v < 0 && -v < (long)(sizeof names / sizeof names[0]) && names[-v])
		return names[-v];
	return NULL;
}

static void show(char *out, size_t n, long v)
{
	const char *e = errname(v);
	if (e)
		snprintf(out, n, "-%s", e);
	else
		snprintf(out, n, "%ld", v);
}

int main(void)
{
	struct stat st;
	int failed = 0, n = sizeof cases / sizeof cases[0];
	signal(SIGPIPE, SIG_IGN);
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	memset(longname, 'b', sizeof longname - 1);
	longname[0] = '/';
	filesize = stat(SELF, &st) == 0 ? st.st_size : -1;
	self_len = strlen(SELF);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n; i++) {
		const struct scase *c = &cases[i];
		long a[6], want, got;
		setup();
		for (int k = 0; k < 6; k++)
			a[k] = resolve(c->a[k]);
		want = c->want == T_ANY ? T_ANY : resolve(c->want);
		got = syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (got == -1)
			got = -errno;
		if (got >= 0 && (c->flags & F_CLOSE))
			close(got);
		if (got >= 0 && (c->flags & F_UNMAP))
			syscall(SYS_munmap, got, a[1]);
		if (got >= 0 && (c->flags & F_PIPEFDS)) {
			close(((int *)buf)[0]);
			close(((int *)buf)[1]);
		}
		if (c->flags & F_CLOSE100)
			close(100);
		teardown();
		if (want == T_ANY ? got >= 0 : got == want) {
			printf("PASS %s\n", c->name);
		} else {
			char w[32], g[32];
			failed++;
			if (want == T_ANY)
				snprintf(w, sizeof w, ">=0");
			else
				show(w, sizeof w, want);
			show(g, sizeof g, got);
			printf("FAIL %s want %s got %s\n", c->name, w, g);
		}
	}
	printf("abi-conformance: %d cases, %d failed\n", n, failed);
	return failed != 0;
}
