/* Timers that send signals: alarm, setitimer/getitimer, and the POSIX timers (timer_create,
 * timer_settime, timer_gettime, timer_getoverrun, timer_delete), with Linux 6.1's results
 * and errnos.
 *
 * A process's timers hang off its leader's task (t->timers, allocated at its first use,
 * freed when its last thread has exited): ITIMER_REAL (alarm's too) is a kernel timer
 * (kernel/timer.h) on the monotonic clock; ITIMER_VIRTUAL and ITIMER_PROF are deadlines on
 * the leader's CPU time (user, and user + system; the process's when it has one thread),
 * which the tick checks for the task it interrupts, as Linux's run_posix_cpu_timers does; a POSIX timer is either kind by its clock (CLOCK_REALTIME,
 * CLOCK_TAI, CLOCK_MONOTONIC, CLOCK_BOOTTIME: a kernel timer; the process's and thread's
 * CPU clocks: a CPU-time deadline). CLOCK_REALTIME is the monotonic clock plus a constant
 * here (nothing sets the clock), so a timer on it is one on the monotonic clock. A
 * SIGEV_NONE timer arms nothing: timer_gettime computes its time left from its deadline.
 * Every expiry becomes a signal in one function, timer_fire().
 *
 * Locking: everything here is guarded by timer_lock, the kernel timers' own lock, under
 * which their callbacks run: so a system call that holds it never races an expiry, and
 * timers_exit() can free the lot once it has disarmed them under it. The only locks taken
 * inside it are the target's signal lock and the scheduler's (signal_send wakes the task).
 *
 * Memory: at most MAX_POSIX_TIMERS POSIX timers per process (timer_create gives EAGAIN
 * beyond, Linux's errno when RLIMIT_SIGPENDING is used up), so a process holds at most
 * one struct task_timers and that many struct posix_timer.
 *
 * Deviations from Linux: a timer's resolution is the tick (1 ms), and it never fires
 * early. Linux re-arms a periodic ITIMER_REAL and a periodic POSIX timer when their signal
 * is dequeued; here both re-arm at expiry (one signal per expiry, as Linux gives when
 * signals are delivered at once). Overruns:
 * see timer_fire(). A POSIX timer on another process's CPU clock is refused (EINVAL; Linux
 * allows it). The alarm clocks (CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM) answer as
 * Linux does on a machine without a wake-up RTC: EOPNOTSUPP. */
#include "kernel/syscall_table.h"
#include "kernel/sys_timer.h"
#include "kernel/timer.h"
#include "kernel/signal.h"
#include "kernel/clock.h"
#include "kernel/lock.h"
#include "arch-x86_64/rtc.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"
#include "lib/list.h"

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGRTMAX  64

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_BOOTTIME           7
#define CLOCK_REALTIME_ALARM     8
#define CLOCK_BOOTTIME_ALARM     9
#define CLOCK_TAI                11
/* A negative clock id: a CPU clock, ~pid << 3 | per-thread bit | which (Linux's encoding),
 * or (which 3) a clock of a file descriptor. */
#define CPUCLOCK_PROF   0
#define CPUCLOCK_VIRT   1
#define CPUCLOCK_SCHED  2
#define CLOCKFD         3
#define CPUCLOCK_WHICH(c) ((c) & 3)
#define CPUCLOCK_PID(c)   ((int)~((c) >> 3))
#define TIMER_ABSTIME 1

#define SIGEV_SIGNAL    0
#define SIGEV_NONE      1
#define SIGEV_THREAD    2
#define SIGEV_THREAD_ID 4

#define MAX_POSIX_TIMERS 64
#define TICK_NSEC (NSEC_PER_SEC / HZ)
#define KTIME_MAX ((uint64_t)INT64_MAX)

struct timeval { int64_t sec, usec; };
struct itimerval { struct timeval interval, value; };
struct timespec { int64_t sec, nsec; };
struct itimerspec { struct timespec interval, value; };
/* struct sigevent as the kernel reads it (x86-64, 64 bytes). */
struct sigevent {
	uint64_t value;
	int signo, notify;
	int tid;
	int pad[11];
};

/* One POSIX timer. Fields without a mark are [timer_lock]. */
struct posix_timer {
	struct ktimer kt;		/* a clock timer that signals: armed at expires */
	struct list_head node;		/* in its owner's posix list */
	struct task_timers *tt;		/* [const] its owner */
	int id;				/* [const] */
	int cpu;			/* [const] 0, or the CPU time it runs on: ITIMER_VIRTUAL
					 * (user time) or ITIMER_PROF (user + system) */
	bool realtime;			/* [const] on CLOCK_REALTIME or CLOCK_TAI */
	int notify;			/* [const] SIGEV_NONE, or a SIGEV_* that signals */
	int signo;			/* [const] */
	uint64_t sival;			/* [const] sigev_value, for the siginfo */
	int tid;			/* [const] SIGEV_THREAD_ID: the thread signalled */
	uint64_t expires;		/* deadline on clock_ns() or on its CPU time; 0: disarmed */
	uint64_t interval;		/* ns, 0: one-shot */
	int overrun;			/* expiries while its signal was pending */
	int overrun_last;		/* what timer_getoverrun reports */
	bool sig_queued;		/* its last signal was left pending (blocked) */
};

/* A process's timers. Fields without a mark are [timer_lock]. */
struct task_timers {
	struct task *task;		/* [const] whom the signals go to */
	struct ktimer real;		/* ITIMER_REAL */
	uint64_t real_incr;		/* its interval, ns */
	struct { uint64_t expires, incr; } cpu_it[2]; /* ITIMER_VIRTUAL, ITIMER_PROF: on the
					 * CPU time (absolute, ns; 0: off), the interval */
	bool cpu_armed;			/* a CPU-time deadline is set: the tick looks */
	struct list_head posix;		/* struct posix_timer, by creation */
	unsigned nr_posix;
	int next_id;			/* the next id to try: ids are not reused until they
					 * wrap, as on Linux */
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a || a + b > KTIME_MAX ? KTIME_MAX : a + b;
}

/* ns of a (validated) seconds and sub-second count, saturated as Linux's ktime is. */
static uint64_t to_ns(int64_t sec, int64_t sub_ns)
{
	if ((uint64_t)sec >= KTIME_MAX / NSEC_PER_SEC)
		return KTIME_MAX;
	return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)sub_ns;
}

static struct timeval to_timeval(uint64_t ns)
{
	return (struct timeval){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC / 1000 };
}

static struct timespec to_timespec(uint64_t ns)
{
	return (struct timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

/* The first deadline after now of a periodic timer whose deadline expires has passed;
 * *periods: how many intervals ended (at least 1). */
static uint64_t forward(uint64_t expires, uint64_t interval, uint64_t now, uint64_t *periods)
{
	uint64_t n = (now - expires) / interval + 1;
	*periods = n;
	if (n > (KTIME_MAX - expires) / interval)
		return KTIME_MAX;
	return expires + n * interval;
}

/* t's CPU time in ns: user (ITIMER_VIRTUAL) or user + system (ITIMER_PROF), the slice
 * running now included (t is current: in the kernel, in a system call or the tick). */
static uint64_t cpu_time(const struct task *t, int which)
{
	if (which == ITIMER_VIRTUAL)
		return READ_ONCE(t->utime_ns);
	return READ_ONCE(t->utime_ns) + READ_ONCE(t->stime_ns) + (clock_ns() - READ_ONCE(t->account_from));
}

/* [timer_lock] Whether the tick has CPU-time deadlines of tt to look at. */
static void update_cpu_armed(struct task_timers *tt)
{
	struct list_head *p;
	assert_held(&timer_lock);
	bool armed = tt->cpu_it[0].expires || tt->cpu_it[1].expires;
	list_for_each(p, &tt->posix) {
		struct posix_timer *pt = list_entry(p, struct posix_timer, node);
		armed |= pt->cpu && pt->expires && pt->notify != SIGEV_NONE;
	}
	tt->cpu_armed = armed;
}

/* [timer_lock] Whether pt's signal, left pending, has been delivered since (unblocked):
 * then that delivery carried the overruns counted until now. */
static void note_delivery(struct posix_timer *pt)
{
	assert_held(&timer_lock);
	uint64_t pending = __atomic_load_n(&pt->tt->task->sig_pending, __ATOMIC_RELAXED);
	if (pt->sig_queued && !(pending & sig_bit(pt->signo))) {
		pt->sig_queued = false;
		pt->overrun_last = pt->overrun;
	}
}

/* [timer_lock] sig with info to tt's process, or to its thread tid (not 0). Takes
 * task_lock (timer_lock comes first). */
static void send_timer_signal(struct task_timers *tt, int sig, int tid, const struct ksiginfo *info)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *th = tid ? task_find_locked(tid) : NULL;
	if (th && th->tgid == tt->task->pid && th->state != TASK_ZOMBIE)
		signal_send(th, sig, info);
	else
		signal_send_process_locked(tt->task, sig, info);
	spin_unlock_irqrestore(&task_lock, f);
}

/* [timer_lock] The one place an expiry becomes a signal: sig to tt's task. pt: the POSIX
 * timer (NULL for an interval timer); periods: the intervals that ended with this expiry
 * (more than 1 when the tick came late for a short interval).
 *
 * Overruns, as far as this kernel can see them: while the timer's last signal is still
 * pending (blocked, and not unblocked since), an expiry sends nothing and counts
 * `periods` overruns, as Linux counts them on the pending signal; the count reaches
 * timer_getoverrun once that signal has been delivered (noticed at the next expiry or
 * timer_getoverrun). A signal sent when not blocked is delivered (or discarded) at once,
 * so its overrun is final at once. Another sender's pending signal of the same number is
 * not told apart from the timer's own.
 *
 * The siginfo: interval timers si_code SI_KERNEL; POSIX timers si_code SI_TIMER,
 * si_timerid, si_overrun (as set here) and si_value. It goes to the process (a thread
 * that does not block it), or to the thread a SIGEV_THREAD_ID names. */
static void timer_fire(struct task_timers *tt, int sig, struct posix_timer *pt, uint64_t periods)
{
	assert_held(&timer_lock);
	if (!pt) {
		struct ksiginfo info = { .code = SI_KERNEL };
		send_timer_signal(tt, sig, 0, &info);
		return;
	}
	note_delivery(pt);
	if (pt->sig_queued) {
		pt->overrun = (uint64_t)pt->overrun + periods > INT32_MAX ? INT32_MAX : pt->overrun + (int)periods;
		return;
	}
	pt->overrun = periods - 1 > INT32_MAX ? INT32_MAX : (int)(periods - 1);
	bool parked = __atomic_load_n(&tt->task->sig_blocked, __ATOMIC_RELAXED) & sig_bit(sig);
	struct ksiginfo info = { .code = SI_TIMER, .timerid = pt->id, .overrun = pt->overrun,
				 .value = pt->sival };
	send_timer_signal(tt, sig, pt->tid, &info);
	if (parked)
		pt->sig_queued = true;
	else
		pt->overrun_last = pt->overrun;
}

static void itimer_real_expired(struct ktimer *kt, uint64_t now)
{
	struct task_timers *tt = container_of(kt, struct task_timers, real);
	uint64_t periods;
	if (tt->real_incr)
		timer_arm(kt, forward(kt->expires_ns, tt->real_incr, now, &periods));
	timer_fire(tt, SIGALRM, NULL, 1);
}

static void posix_timer_expired(struct ktimer *kt, uint64_t now)
{
	struct posix_timer *pt = container_of(kt, struct posix_timer, kt);
	uint64_t periods = 1;
	if (pt->interval) {
		pt->expires = forward(pt->expires, pt->interval, now, &periods);
		timer_arm(kt, pt->expires);
	} else {
		pt->expires = 0;
	}
	timer_fire(pt->tt, pt->signo, pt, periods);
}

void timers_cpu_tick(struct task *t)
{
	spin_lock(&timer_lock); /* interrupts are off in the tick */
	struct task_timers *tt = t->group_leader->timers;
	if (!tt || !tt->cpu_armed)
		goto out;
	uint64_t now[3] = { 0, cpu_time(t, ITIMER_VIRTUAL), cpu_time(t, ITIMER_PROF) };
	for (int which = ITIMER_VIRTUAL; which <= ITIMER_PROF; which++) {
		typeof(tt->cpu_it[0]) *it = &tt->cpu_it[which - 1];
		if (!it->expires || now[which] < it->expires)
			continue;
		it->expires = it->incr ? add_sat(it->expires, it->incr) : 0; /* Linux's step */
		timer_fire(tt, which == ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF, NULL, 1);
	}
	struct list_head *p;
	list_for_each(p, &tt->posix) {
		struct posix_timer *pt = list_entry(p, struct posix_timer, node);
		uint64_t periods = 1;
		if (!pt->cpu || !pt->expires || pt->notify == SIGEV_NONE || now[pt->cpu] < pt->expires)
			continue;
		pt->expires = pt->interval ? forward(pt->expires, pt->interval, now[pt->cpu], &periods) : 0;
		timer_fire(tt, pt->signo, pt, periods);
	}
	update_cpu_armed(tt);
out:
	spin_unlock(&timer_lock);
}

/* Current's process's timers (its leader's), made at first use when create is set (NULL
 * when out of memory); NULL if it has none and create is not set. */
static struct task_timers *timers_of_current(bool create)
{
	struct task *t = current()->group_leader;
	if (t->timers || !create)
		return t->timers;
	struct task_timers *tt = kzalloc(sizeof(*tt));
	if (!tt)
		return NULL;
	tt->task = t;
	ktimer_init(&tt->real, itimer_real_expired);
	list_init(&tt->posix);
	uint64_t f = spin_lock_irqsave(&timer_lock); /* the tick reads t->timers */
	struct task_timers *made = t->timers; /* by another thread meanwhile */
	if (!made)
		t->timers = tt;
	spin_unlock_irqrestore(&timer_lock, f);
	if (made)
		kfree(tt);
	return made ? made : tt;
}

/* An interval timer's value and interval, ns. */
struct itimer_ns {
	uint64_t value, interval;
};

/* [timer_lock] Interval timer which of tt (NULL: none armed). The time left is never 0
 * while armed: 1 us when due (Linux's), and at least that. */
static struct itimer_ns itimer_get(struct task_timers *tt, int which)
{
	assert_held(&timer_lock);
	struct itimer_ns v = { 0, 0 };
	if (!tt)
		return v;
	if (which == ITIMER_REAL) {
		v.interval = tt->real_incr;
		if (timer_armed(&tt->real)) {
			uint64_t now = clock_ns();
			v.value = tt->real.expires_ns > now ? MAX(tt->real.expires_ns - now, 1000) : 1000;
		}
	} else {
		v.interval = tt->cpu_it[which - 1].incr;
		uint64_t expires = tt->cpu_it[which - 1].expires, now = cpu_time(tt->task, which);
		if (expires) /* about to fire: one tick, as Linux says */
			v.value = expires > now ? MAX(expires - now, 1000) : TICK_NSEC;
	}
	return v;
}

/* Set interval timer which of current to nv (value 0: disarm); *old: what it was. 0, or
 * -ENOMEM when its timers cannot be allocated. */
static int itimer_set(int which, struct itimer_ns nv, struct itimer_ns *old)
{
	struct task_timers *tt = timers_of_current(nv.value || nv.interval);
	if (!tt && (nv.value || nv.interval))
		return -ENOMEM;
	uint64_t f = spin_lock_irqsave(&timer_lock);
	*old = itimer_get(tt, which);
	if (!tt)
		goto out;
	if (which == ITIMER_REAL) {
		timer_cancel(&tt->real);
		tt->real_incr = nv.value ? nv.interval : 0;
		if (nv.value)
			timer_arm(&tt->real, add_sat(clock_ns(), nv.value));
	} else {
		/* Linux's set_cpu_itimer: a tick more than asked, the interval kept even when
		 * the value disarms. */
		tt->cpu_it[which - 1].expires =
			nv.value ? add_sat(cpu_time(tt->task, which), add_sat(nv.value, TICK_NSEC)) : 0;
		tt->cpu_it[which - 1].incr = nv.interval;
		update_cpu_armed(tt);
	}
out:
	spin_unlock_irqrestore(&timer_lock, f);
	return 0;
}

static bool timeval_valid(const struct timeval *tv)
{
	return tv->sec >= 0 && tv->usec >= 0 && tv->usec < 1000000;
}

long sys_setitimer(int which, const struct itimerval *unew, struct itimerval *uold)
{
	struct itimerval nv = { { 0, 0 }, { 0, 0 } };
	if (unew) { /* NULL disarms: Linux's "misfeature" */
		if (copy_from_user(&nv, unew, sizeof(nv)))
			return -EFAULT;
		if (!timeval_valid(&nv.value) || !timeval_valid(&nv.interval))
			return -EINVAL;
	}
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	struct itimer_ns set = { to_ns(nv.value.sec, nv.value.usec * 1000),
				 to_ns(nv.interval.sec, nv.interval.usec * 1000) }, old;
	int rc = itimer_set(which, set, &old);
	if (rc || !uold)
		return rc;
	struct itimerval ov = { to_timeval(old.interval), to_timeval(old.value) };
	return copy_to_user(uold, &ov, sizeof(ov)); /* the timer is set even so, as on Linux */
}

long sys_getitimer(int which, struct itimerval *uval)
{
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&timer_lock);
	struct itimer_ns v = itimer_get(timers_of_current(false), which);
	spin_unlock_irqrestore(&timer_lock, f);
	struct itimerval val = { to_timeval(v.interval), to_timeval(v.value) };
	return copy_to_user(uval, &val, sizeof(val));
}

/* ITIMER_REAL in whole seconds: the seconds left of the previous alarm, rounded as Linux's
 * alarm_setitimer does (up from half a second, and 1 rather than 0 if any time was left). */
long sys_alarm(unsigned seconds)
{
	struct itimer_ns old;
	if (itimer_set(ITIMER_REAL, (struct itimer_ns){ to_ns(seconds, 0), 0 }, &old))
		return 0; /* out of memory: no alarm was set before either */
	uint64_t sec = old.value / NSEC_PER_SEC, ns = old.value % NSEC_PER_SEC;
	if ((!sec && ns) || ns >= NSEC_PER_SEC / 2)
		sec++;
	return (long)sec;
}

/* [timer_lock] Current's POSIX timer id, or NULL. */
static struct posix_timer *find_timer(struct task_timers *tt, int id)
{
	struct list_head *p;
	assert_held(&timer_lock);
	if (!tt)
		return NULL;
	list_for_each(p, &tt->posix) {
		struct posix_timer *pt = list_entry(p, struct posix_timer, node);
		if (pt->id == id)
			return pt;
	}
	return NULL;
}

/* [timer_lock] A free id from tt->next_id on (Linux's posix_timer_add), or -EAGAIN. */
static int alloc_timer_id(struct task_timers *tt)
{
	assert_held(&timer_lock);
	int first = tt->next_id;
	do {
		int id = tt->next_id;
		if (++tt->next_id < 0)
			tt->next_id = 0;
		if (!find_timer(tt, id))
			return id;
	} while (tt->next_id != first);
	return -EAGAIN;
}

/* Which clocks have timers (Linux's clockid_to_kclock, then whether that clock has a
 * timer_create): 0, -EINVAL for no such clock, -EOPNOTSUPP for one without timers. *cpu:
 * the CPU time a CPU clock's timer runs on (0 for the others). */
static int timer_clock_kind(int clock, int *cpu)
{
	*cpu = 0;
	if (clock < 0) {
		if (CPUCLOCK_WHICH(clock) == CLOCKFD)
			return -EOPNOTSUPP; /* a clock of a file descriptor: none here have timers */
		*cpu = CPUCLOCK_WHICH(clock) == CPUCLOCK_VIRT ? ITIMER_VIRTUAL : ITIMER_PROF;
		return 0;
	}
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		*cpu = ITIMER_PROF;
		return 0;
	case 4: case 5: case 6: /* MONOTONIC_RAW and the COARSE clocks: no timers */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

/* Linux's good_sigevent: 0 or -EINVAL. */
static int sigevent_check(const struct sigevent *ev)
{
	struct task *t;
	switch (ev->notify) {
	case SIGEV_THREAD_ID: /* a thread of the caller's process, which the signal goes to */
		if (!(t = task_find(ev->tid)))
			return -EINVAL;
		bool ours = t->tgid == current()->tgid;
		task_put(t);
		if (!ours)
			return -EINVAL;
		/* fallthrough */
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		if (ev->signo <= 0 || ev->signo > SIGRTMAX)
			return -EINVAL;
		return 0;
	case SIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* The last checks Linux makes, in the clock's timer_create, after the id is given out:
 * 0 or the errno. */
static int timer_clock_create(int clock)
{
	if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
		return -EOPNOTSUPP; /* no RTC that wakes the machine (clock_gettime says EINVAL) */
	if (clock < 0 && CPUCLOCK_PID(clock) && CPUCLOCK_PID(clock) != current()->pid)
		return -EINVAL; /* none, or another process's: not supported (see the top) */
	return 0;
}

long sys_timer_create(int clock, const struct sigevent *uev, int *uid)
{
	struct sigevent ev;
	int cpu;
	if (uev && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	int rc = timer_clock_kind(clock, &cpu);
	if (rc)
		return rc;
	struct task_timers *tt = timers_of_current(true);
	struct posix_timer *pt = tt ? kzalloc(sizeof(*pt)) : NULL;
	if (!pt)
		return -EAGAIN;
	uint64_t f = spin_lock_irqsave(&timer_lock);
	rc = tt->nr_posix >= MAX_POSIX_TIMERS ? -EAGAIN : alloc_timer_id(tt);
	spin_unlock_irqrestore(&timer_lock, f);
	if (rc < 0)
		goto fail;
	/* From here on a failure has used the id up, as on Linux. */
	ktimer_init(&pt->kt, posix_timer_expired);
	pt->tt = tt;
	pt->id = rc;
	pt->cpu = cpu;
	pt->realtime = clock == CLOCK_REALTIME || clock == CLOCK_TAI;
	if (uev) {
		pt->notify = ev.notify;
		pt->signo = ev.signo;
		pt->sival = ev.value;
		pt->tid = ev.notify == SIGEV_THREAD_ID ? ev.tid : 0;
	} else { /* NULL: SIGALRM with the id as its value */
		pt->notify = SIGEV_SIGNAL;
		pt->signo = SIGALRM;
		pt->sival = (uint64_t)pt->id;
	}
	if ((uev && (rc = sigevent_check(&ev))) || (rc = copy_to_user(uid, &pt->id, sizeof(pt->id))) ||
	    (rc = timer_clock_create(clock)))
		goto fail;
	/* Threads creating timers at once got different ids (next_id only moves on, under
	 * timer_lock); together they may pass MAX_POSIX_TIMERS by a few. */
	f = spin_lock_irqsave(&timer_lock);
	list_add_tail(&pt->node, &tt->posix);
	tt->nr_posix++;
	spin_unlock_irqrestore(&timer_lock, f);
	return 0;
fail:
	kfree(pt);
	return rc;
}

/* [timer_lock] pt's time line now: clock_ns() or its task's CPU time. */
static uint64_t timer_now(const struct posix_timer *pt)
{
	return pt->cpu ? cpu_time(pt->tt->task, pt->cpu) : clock_ns();
}

/* [timer_lock] pt's time left and interval (Linux's common_timer_get): a SIGEV_NONE
 * timer is moved on past its expiries here (one-shot: disarmed); a due one that signals
 * shows 1 ns until the tick fires it. */
static struct itimer_ns timer_get(struct posix_timer *pt)
{
	assert_held(&timer_lock);
	struct itimer_ns v = { 0, pt->interval };
	if (!pt->expires)
		return v;
	uint64_t now = timer_now(pt), periods;
	if (pt->notify == SIGEV_NONE && pt->expires <= now) {
		pt->expires = pt->interval ? forward(pt->expires, pt->interval, now, &periods) : 0;
		if (!pt->expires)
			return v;
	}
	v.value = pt->expires > now ? pt->expires - now : 1;
	return v;
}

static bool timespec_valid(const struct timespec *ts)
{
	return ts->sec >= 0 && ts->nsec >= 0 && ts->nsec < (int64_t)NSEC_PER_SEC;
}

long sys_timer_settime(int id, int flags, const struct itimerspec *unew, struct itimerspec *uold)
{
	struct itimerspec nv;
	if (!unew)
		return -EINVAL;
	if (copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if (!timespec_valid(&nv.value) || !timespec_valid(&nv.interval))
		return -EINVAL;
	uint64_t value = to_ns(nv.value.sec, nv.value.nsec);
	uint64_t f = spin_lock_irqsave(&timer_lock);
	struct posix_timer *pt = find_timer(timers_of_current(false), id);
	if (!pt) {
		spin_unlock_irqrestore(&timer_lock, f);
		return -EINVAL;
	}
	struct itimer_ns old = timer_get(pt);
	timer_cancel(&pt->kt);
	pt->expires = 0;
	pt->interval = 0;
	pt->overrun_last = 0;
	if (value) {
		pt->interval = to_ns(nv.interval.sec, nv.interval.nsec);
		if (!(flags & TIMER_ABSTIME))
			pt->expires = add_sat(timer_now(pt), value);
		else if (pt->realtime) /* a constant ahead of the monotonic clock */
			pt->expires = value - MIN(value, rtc_boot_epoch_ns());
		else
			pt->expires = value;
		if (!pt->expires) /* long past: due at once */
			pt->expires = 1;
		if (!pt->cpu && pt->notify != SIGEV_NONE)
			timer_arm(&pt->kt, pt->expires);
	}
	update_cpu_armed(pt->tt);
	spin_unlock_irqrestore(&timer_lock, f);
	if (!uold)
		return 0;
	struct itimerspec ov = { to_timespec(old.interval), to_timespec(old.value) };
	return copy_to_user(uold, &ov, sizeof(ov));
}

long sys_timer_gettime(int id, struct itimerspec *uval)
{
	uint64_t f = spin_lock_irqsave(&timer_lock);
	struct posix_timer *pt = find_timer(timers_of_current(false), id);
	struct itimer_ns v = { 0, 0 };
	if (pt)
		v = timer_get(pt);
	spin_unlock_irqrestore(&timer_lock, f);
	if (!pt)
		return -EINVAL;
	struct itimerspec val = { to_timespec(v.interval), to_timespec(v.value) };
	return copy_to_user(uval, &val, sizeof(val));
}

long sys_timer_getoverrun(int id)
{
	uint64_t f = spin_lock_irqsave(&timer_lock);
	struct posix_timer *pt = find_timer(timers_of_current(false), id);
	long rc = -EINVAL;
	if (pt) {
		note_delivery(pt);
		rc = pt->overrun_last;
	}
	spin_unlock_irqrestore(&timer_lock, f);
	return rc;
}

long sys_timer_delete(int id)
{
	uint64_t f = spin_lock_irqsave(&timer_lock);
	struct posix_timer *pt = find_timer(timers_of_current(false), id);
	if (pt) {
		timer_cancel(&pt->kt);
		list_del(&pt->node);
		pt->tt->nr_posix--;
		update_cpu_armed(pt->tt);
	}
	spin_unlock_irqrestore(&timer_lock, f);
	if (!pt)
		return -EINVAL;
	kfree(pt);
	return 0;
}

/* [timer_lock] Disarm every POSIX timer of tt and move them to *dead, to be freed. */
static void take_posix_timers(struct task_timers *tt, struct list_head *dead)
{
	assert_held(&timer_lock);
	while (!list_empty(&tt->posix)) {
		struct posix_timer *pt = list_first_entry(&tt->posix, struct posix_timer, node);
		timer_cancel(&pt->kt);
		list_del(&pt->node);
		list_add_tail(&pt->node, dead);
	}
	tt->nr_posix = 0;
	update_cpu_armed(tt);
}

static void free_posix_timers(struct list_head *dead)
{
	while (!list_empty(dead)) {
		struct posix_timer *pt = list_first_entry(dead, struct posix_timer, node);
		list_del(&pt->node);
		kfree(pt);
	}
}

void timers_exec(struct task *t)
{
	struct list_head dead = LIST_HEAD_INIT(dead);
	if (!t->timers)
		return;
	uint64_t f = spin_lock_irqsave(&timer_lock);
	take_posix_timers(t->timers, &dead);
	spin_unlock_irqrestore(&timer_lock, f);
	free_posix_timers(&dead);
}

void timers_move(struct task *from, struct task *to)
{
	uint64_t f = spin_lock_irqsave(&timer_lock);
	to->timers = from->timers;
	from->timers = NULL;
	if (to->timers)
		to->timers->task = to;
	spin_unlock_irqrestore(&timer_lock, f);
}

void timers_exit(struct task *t)
{
	struct list_head dead = LIST_HEAD_INIT(dead);
	struct task_timers *tt = t->timers;
	if (!tt)
		return;
	uint64_t f = spin_lock_irqsave(&timer_lock);
	take_posix_timers(tt, &dead);
	timer_cancel(&tt->real);
	t->timers = NULL; /* the tick no longer finds them */
	spin_unlock_irqrestore(&timer_lock, f);
	free_posix_timers(&dead);
	kfree(tt);
}
