/* dedup-probe: the memory-deduplication timing side channel, measured (CAIN, Dedup Est
 * Machina: a write to a merged page takes a copy-on-write fault, thousands of nanoseconds
 * more than a write to a private page, so an attacker that fills pages with guesses and
 * lets ksmd run learns which guesses exist elsewhere in memory).
 *
 * A victim process holds pages of random secret contents. The attacker (this process,
 * optionally in another merge domain) fills its probe pages, half with the victim's
 * contents and half with fresh random contents, right and wrong probes interleaved in a
 * random address order; marks them mergeable as the victim does; waits for ten full scans
 * (with same_behaviour a page becomes a candidate only after two idle ones); then times
 * one access per page (a write, or a read), in another random order. Each round has a
 * victim of its own, registered with the probes: smart_scan skips pages that long failed
 * to merge for up to eight scans at a time, and an old victim and new probes skipped
 * out of step might never be in the unstable tree in the same scan. A threshold classifier
 * ("slow: the guess was right") is fitted on half of the probes and scored on the other
 * half, so the accuracy is not inflated by choosing the threshold after the fact: 50 % is
 * no leak. With -r, rounds repeat with fresh wrong guesses, samples pooled.
 *
 * usage: dedup-probe [-p PROBES] [-r ROUNDS] [-d DOMAIN] [-m write|read] [-s SEED]
 *                    [-c COPIES]
 *   (defaults 2000 probes, 1 round, the caller's domain, write, seed 1, 1 copy). With -c
 *   the victim holds each secret COPIES times, so a right guess joins a KSM page with
 *   COPIES mappings already: whether the number of sharers shows through timing. The caller sets
 *   ksmd's knobs (run 1). Prints the medians, the accuracy, how many probes were merged
 *   when timed (a figure of 50 % means nothing if the right guesses did not merge), and
 *   key=value lines. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdbool.h>
#include "ksm_util.h"

#define PAGE 4096

struct sample {
	uint64_t ns;
	int right;	/* the probe held a victim's content */
};

static uint64_t rng_state;
static long home_domain = -1; /* the domain this program started in (the victims') */
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Page i of the victim's secrets (the attacker's right guesses reproduce it). */
static void secret_page(uint64_t seed, size_t i, uint64_t *page)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + i + 1;
	for (int w = 0; w < PAGE / 8; w++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		page[w] = s;
	}
}

static void shuffle(size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i, t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* 0..n-1 in a random order into a. */
static void random_permutation(size_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = i;
	shuffle(a, n);
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static uint64_t median_of(const struct sample *s, size_t n, int right)
{
	static uint64_t v[1 << 20];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i].right == right)
			v[k++] = s[i].ns;
	qsort(v, k, sizeof(v[0]), cmp_u64);
	return k ? v[k / 2] : 0;
}

/* A threshold classifier: "ns > t means right", or with slow_is_wrong the other way round
 * (a mitigation that made merged pages faster would leak just as well). */
struct classifier {
	uint64_t t;
	bool slow_is_wrong;
};

/* The accuracy of c on s. */
static double accuracy(const struct sample *s, size_t n, struct classifier c)
{
	size_t good = 0;
	for (size_t i = 0; i < n; i++)
		good += ((s[i].ns > c.t) != c.slow_is_wrong) == s[i].right;
	return n ? (double)good / n : 0;
}

/* The classifier that classifies train best (thresholds tried at each sorted value, both
 * ways round). */
static struct classifier fit_classifier(struct sample *train, size_t n)
{
	qsort(train, n, sizeof(*train), cmp_sample);
	struct classifier best = { 0, false };
	double best_acc = -1;
	for (size_t i = 0; i + 1 < n; i++) {
		for (int way = 0; way < 2; way++) {
			struct classifier c = { train[i].ns, way };
			double a = accuracy(train, n, c);
			if (a > best_acc) {
				best_acc = a;
				best = c;
			}
		}
	}
	return best;
}

/* Move this process to merge domain d: 0 or -1 (errno set). */
static int set_domain(long d)
{
	FILE *f = fopen("/proc/self/ksm_domain", "w");
	if (!f)
		return -1;
	int bad = fprintf(f, "%ld\n", d) < 0;
	return fclose(f) || bad ? -1 : 0;
}

/* A victim: a process holding secret pages 0..secrets-1 (each copies times), in the domain
 * this program started in. It is forked before the probes exist (a fork after would share
 * them with it, copy-on-write) and registers its pages with KSM when register_victim()
 * tells it to. */
struct victim {
	pid_t pid;
	int go[2], ready[2];	/* pipes: register now; registered */
};

static void end_victim(struct victim *v)
{
	close(v->go[1]);
	close(v->ready[0]);
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
}

/* Fork the victim: 0, or -1 (errno set). */
static int start_victim(struct victim *v, uint64_t seed, size_t secrets, size_t copies)
{
	if (pipe(v->go) || pipe(v->ready))
		return -1;
	v->pid = fork();
	if (v->pid == 0) {
		if (home_domain >= 0 && set_domain(home_domain))
			_exit(1);
		size_t pages = secrets * copies;
		uint64_t *s = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < pages; i++)
			secret_page(seed, i % secrets, s + i * (PAGE / 8));
		char c;
		if (read(v->go[0], &c, 1) != 1)
			_exit(1);
		madvise(s, pages * PAGE, MADV_MERGEABLE);
		if (write(v->ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(v->go[0]);
	close(v->ready[1]);
	if (v->pid < 0) {
		end_victim(v);
		return -1;
	}
	return 0;
}

/* Have the victim register its pages, at about the moment the caller registers its probes:
 * both sides then go through ksmd's phases together, rather than meeting only when
 * smart_scan happens to visit both in one scan. 0, or -1. */
static int register_victim(struct victim *v)
{
	char c = 1;
	return write(v->go[1], &c, 1) == 1 && read(v->ready[0], &c, 1) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t probes = 2000, copies = 1;
	int rounds = 1, opt;
	long domain = -1;
	bool write_mode = true;
	uint64_t seed = 1;
	while ((opt = getopt(argc, argv, "p:r:d:m:s:c:")) != -1) {
		switch (opt) {
		case 'p': probes = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'd': domain = strtol(optarg, NULL, 0); break;
		case 'm': write_mode = strcmp(optarg, "read") != 0; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'c': copies = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (probes < 4 || probes % 2 || probes > (1 << 19) || rounds < 1 || copies < 1 || copies > 64) {
usage:
		fprintf(stderr, "usage: dedup-probe [-p PROBES (even)] [-r ROUNDS] [-d DOMAIN] [-m write|read] [-s SEED] [-c COPIES (1-64)]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	rng_state = seed * 0x2545f4914f6cdd1dull | 1;
	size_t secrets = probes / 2;
	FILE *f = fopen("/proc/self/ksm_domain", "r");
	if (!f || fscanf(f, "%ld", &home_domain) != 1)
		home_domain = -1;
	if (f)
		fclose(f);

	if (domain >= 0 && set_domain(domain)) { /* the attacker moves; victims stay behind */
		perror("dedup-probe: /proc/self/ksm_domain");
		return 1;
	}

	struct sample *all = calloc(probes * rounds, sizeof(*all));
	size_t *order = calloc(probes, sizeof(*order)), *kind = calloc(probes, sizeof(*kind));
	if (!all || !order || !kind)
		return 1;
	size_t n = 0;
	long merged = 0; /* probes merged when they were timed, over the rounds */
	for (int r = 0; r < rounds; r++) {
		struct victim victim;
		if (start_victim(&victim, seed, secrets, copies)) {
			perror("dedup-probe: victim");
			return 1;
		}
		uint64_t *p = mmap(NULL, probes * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("dedup-probe: mmap");
			return 1;
		}
		/* kind[i]: the probe at page i is secret kind[i] (a right guess), or >= secrets:
		 * a fresh random page */
		random_permutation(kind, probes);
		for (size_t i = 0; i < probes; i++) {
			uint64_t *page = p + i * (PAGE / 8);
			if (kind[i] < secrets)
				secret_page(seed, kind[i], page);
			else
				for (int w = 0; w < PAGE / 8; w++)
					page[w] = rng();
		}
		if (register_victim(&victim)) {
			printf("dedup-probe: the victim did not start\n");
			return 1;
		}
		madvise(p, probes * PAGE, MADV_MERGEABLE);
		if (ksm_wait_scans(10, 300)) {
			printf("dedup-probe: ksmd did not make 10 full scans in 300 s (is run 1?)\n");
			return 1;
		}
		merged += ksm_merging_pages(0);
		random_permutation(order, probes);
		for (size_t k = 0; k < probes; k++) {
			size_t i = order[k];
			volatile uint64_t *w = p + i * (PAGE / 8);
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (write_mode)
				*w = *w + 1;
			else
				(void)*w;
			clock_gettime(CLOCK_MONOTONIC, &b);
			all[n++] = (struct sample){ (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec),
						    kind[i] < secrets };
		}
		munmap(p, probes * PAGE);
		end_victim(&victim);
	}

	/* Train on a random half, score on the other. */
	for (size_t i = n; i > 1; i--) {
		size_t j = rng() % i;
		struct sample t = all[i - 1];
		all[i - 1] = all[j];
		all[j] = t;
	}
	size_t half = n / 2;
	uint64_t right_median = median_of(all, n, 1), wrong_median = median_of(all, n, 0);
	struct classifier c = fit_classifier(all, half);
	double acc = accuracy(all + half, n - half, c);
	char where[32] = "the victim's";
	if (domain >= 0)
		snprintf(where, sizeof(where), "%ld", domain);
	printf("dedup-probe: %s, attacker domain %s, %zu probes x %d rounds: right guesses median %lu ns, "
	       "wrong %lu ns; threshold %lu ns (%s means right); accuracy %.1f%% on %zu held-out probes; "
	       "%ld probes merged\n",
	       write_mode ? "writes" : "reads", where, probes,
	       rounds, (unsigned long)right_median, (unsigned long)wrong_median, (unsigned long)c.t,
	       c.slow_is_wrong ? "faster" : "slower", 100 * acc, n - half, merged);
	printf("probe_mode=%s\nprobe_right_median_ns=%lu\nprobe_wrong_median_ns=%lu\nprobe_accuracy_pct=%.1f\n"
	       "probe_merged=%ld\n", write_mode ? "write" : "read", (unsigned long)right_median,
	       (unsigned long)wrong_median, 100 * acc, merged);
	return 0;
}
