#include "fs/poll.h"
#include "kernel/signal.h"
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "fs/file.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"

static struct wait_queue poll_wait = WAIT_QUEUE_INIT(poll_wait);

void poll_notify(void)
{
	wake_up_all(&poll_wait);
}

struct pollfd {
	int fd;
	short events, revents;
};

/* The readiness of each entry into revents; how many are ready. */
static int poll_scan(struct pollfd *fds, unsigned nfds)
{
	int ready = 0;
	for (unsigned i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct file *f = fget(fds[i].fd);
		unsigned mask = POLLNVAL;
		if (f) {
			mask = f->vn->ops && f->vn->ops->poll ? f->vn->ops->poll(f) : POLLIN | POLLOUT;
			file_put(f);
		}
		fds[i].revents = mask & (fds[i].events | POLLERR | POLLHUP | POLLNVAL);
		ready += fds[i].revents != 0;
	}
	return ready;
}

/* Wait until an entry is ready, deadline_ns passes (UINT64_MAX: never) or a signal is to
 * be taken (-EINTR after its handler, as Linux's poll). */
static long do_poll(struct pollfd *ufds, unsigned nfds, uint64_t deadline_ns)
{
	if (nfds > MAX_FDS)
		return -EINVAL;
	struct pollfd *fds = kmalloc(MAX(nfds, 1u) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	long rc = copy_from_user(fds, ufds, nfds * sizeof(*fds));
	if (!rc) {
		int ready;
		for (;;) {
			struct wait_entry e = { .task = NULL };
			wait_prepare(&poll_wait, &e); /* queued before looking: no wake-up is lost */
			ready = poll_scan(fds, nfds);
			bool give_up = ready || clock_ns() >= deadline_ns || signal_pending();
			if (!give_up)
				sched_timer_sleep(deadline_ns);
			wait_finish(&poll_wait, &e);
			if (give_up)
				break;
		}
		rc = ready ? ready : signal_pending() ? -ERESTARTNOHAND : 0;
		if (rc >= 0 && copy_to_user(ufds, fds, nfds * sizeof(*fds)))
			rc = -EFAULT;
	}
	kfree(fds);
	return rc;
}

long sys_poll(struct pollfd *ufds, unsigned nfds, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : clock_ns() + (uint64_t)timeout_ms * 1000000;
	return do_poll(ufds, nfds, deadline);
}

/* With a signal mask, it is the one in force while ppoll sleeps (as rt_sigsuspend's):
 * the old one comes back at the end, or after the handler of the signal that ended it. */
long sys_ppoll(struct pollfd *ufds, unsigned nfds, const void *uts, const uint64_t *usigmask,
	       size_t sigsetsize)
{
	uint64_t deadline, mask;
	int rc = user_timeout_deadline(uts, &deadline);
	if (rc)
		return rc;
	if (usigmask && sigsetsize != sizeof(mask))
		return -EINVAL;
	if (usigmask && copy_from_user(&mask, usigmask, sizeof(mask)))
		return -EFAULT;
	if (!usigmask)
		return do_poll(ufds, nfds, deadline);
	signal_mask_for_wait(mask);
	long ready = do_poll(ufds, nfds, deadline);
	signal_mask_after_wait(ready == -ERESTARTNOHAND);
	return ready;
}
