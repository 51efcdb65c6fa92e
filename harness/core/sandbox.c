/*
 * sandbox.c - see sandbox.h.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAX 4096

/* The pids in /proc/self/task/PID/children, killed; false when the list
 * cannot be read. Only system calls: it runs in a child of a threaded
 * program too (async-signal-safe, no stdio, no malloc). */
static bool kill_children(void)
{
	char path[64] = "/proc/self/task/", buf[4096];
	size_t at = strlen(path);
	unsigned long self = (unsigned long)getpid(), d = 1;
	while (d * 10 <= self)
		d *= 10;
	for (; d; d /= 10)
		path[at++] = (char)('0' + self / d % 10);
	memcpy(path + at, "/children", sizeof "/children");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n;
	long pid = 0;
	bool digits = false;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] >= '0' && buf[k] <= '9') {
				pid = pid * 10 + (buf[k] - '0');
				digits = true;
			} else if (digits) {
				kill((pid_t)pid, SIGKILL);
				pid = 0;
				digits = false;
			}
		}
	if (digits)
		kill((pid_t)pid, SIGKILL);
	close(fd);
	return true;
}

void sbx_end_descendants(void)
{
	for (int round = 0; round < 10000; round++) {
		int st;
		pid_t r;
		while ((r = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (r < 0 && errno != EINTR)
			return; /* ECHILD: none left */
		/* Without the list (no CONFIG_PROC_CHILDREN) they live on, as
		 * they did before this existed. */
		if (!kill_children())
			return;
		while (waitpid(-1, &st, 0) < 0 && errno == EINTR)
			;
	}
}

_Noreturn void sbx_exit_as(int status)
{
	if (WIFSIGNALED(status)) { /* the parent reads the same signal */
		int sig = WTERMSIG(status);
		sigset_t one;
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		prctl(PR_SET_DUMPABLE, 0); /* the worker dumped core, if any */
		raise(sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* The sandbox child: a subreaper that runs fn in a worker process, then
 * ends whatever the worker started (setsid or not: they are reparented
 * here, not to init) and exits as the worker did. */
static _Noreturn void shim(struct sbx_shared *sh,
			   void (*fn)(void *, struct sbx_shared *), void *arg)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t self = getpid();
	pid_t w = fork();
	if (w < 0) {
		char why[96];
		snprintf(why, sizeof why, "sandbox: fork: %s", strerror(errno));
		sbx_child_fail(sh, true, why);
	}
	if (w == 0) {
		/* Its own group: a hang kills it and its group, and the shim
		 * lives to end what escaped that. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(1);
		fn(arg, sh);
		sh->done = 1;
		_exit(0);
	}
	sh->worker = w;
	int st = 0;
	while (waitpid(w, &st, 0) < 0 && errno == EINTR)
		;
	sbx_end_descendants();
	sbx_exit_as(st);
}

struct sbx_shared *sbx_create(size_t result_cap)
{
	size_t size = sizeof(struct sbx_shared) + result_cap;
	struct sbx_shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return NULL;
	sh->result_cap = result_cap;
	return sh;
}

void sbx_destroy(struct sbx_shared *sh)
{
	munmap(sh, sizeof *sh + sh->result_cap);
}

void sbx_beat(struct sbx_shared *sh)
{
	sh->heartbeat++;
}

void sbx_set_current(struct sbx_shared *sh, const char *what, size_t n)
{
	if (n >= SBX_CURRENT_MAX) { /* never a wrong but plausible step */
		what = "a step too long to record";
		n = strlen(what);
	}
	memcpy(sh->current, what, n);
	sh->current[n] = '\0';
	sh->heartbeat++;
}

bool sbx_put(struct sbx_shared *sh, const void *data, size_t n)
{
	if (sh->result_len > sh->result_cap ||
	    n > sh->result_cap - sh->result_len)
		return false;
	if (n == 0) /* data may be NULL then */
		return true;
	memcpy(sh->result + sh->result_len, data, n);
	sh->result_len += n;
	return true;
}

void sbx_result_drop(struct sbx_shared *sh)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t from =
		((uintptr_t)sh->result + ps - 1) & ~(uintptr_t)(ps - 1);
	uintptr_t to = (uintptr_t)sh->result + sh->result_cap;

	to &= ~(uintptr_t)(ps - 1);
	if (to > from) /* shared memory: only MADV_REMOVE frees it */
		madvise((void *)from, to - from, MADV_REMOVE);
	sh->result_len = 0;
}

bool sbx_result_view(const struct sbx_shared *sh, const char **p,
		     const char **end)
{
	size_t len = sh->result_len;

	*p = *end = sh->result;
	if (len > sh->result_cap)
		return false;
	*end += len;
	return true;
}

/* How long a shim may take to end what its worker left, after a hang. */
#define SHIM_GRACE_US 2000000u

static uint64_t now_us(void);

/* Whether pid is a child of parent. The worker's pid comes from the
 * shared area, which the subject can write: never kill(-1) on its word. */
static bool is_child_of(pid_t pid, pid_t parent)
{
	char path[64];
	if (pid <= 1 || pid == parent || pid == getpid())
		return false;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int ppid = 0;
	/* pid (comm) state ppid: comm may hold spaces, so from its ')' */
	char buf[512];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *end = strrchr(buf, ')');
	if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1)
		return false;
	return ppid == parent;
}

/* Resident bytes of pid and, depth levels down, what it started (its
 * threads' children too); 0 when pid is gone. */
static size_t tree_rss(pid_t pid, int depth)
{
	char path[96], buf[4096];
	size_t rss = 0;
	long resident = 0;

	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%*s %ld", &resident) == 1 && resident > 0)
		rss = (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
	fclose(f);
	if (depth == 0)
		return rss;
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "r");
	if (!f)
		return rss;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long child = strtol(p, &end, 10);
		if (end == p)
			break;
		if (child > 1)
			rss += tree_rss((pid_t)child, depth - 1);
	}
	return rss;
}

static size_t self_rss(void)
{
	return tree_rss(getpid(), 0);
}

/* waitpid, for at most us microseconds. */
static bool wait_for(pid_t pid, int *status, uint64_t us)
{
	uint64_t until = now_us() + us;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (now_us() > until)
			return false;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* How long a child that began a sanitizer report may take to finish it. */
#define REPORT_GRACE_US (30u * 1000000u)

/* Has the child begun a sanitizer report in its log? */
static bool report_started(FILE *log)
{
	char buf[4096];
	ssize_t n = pread(fileno(log), buf, sizeof buf - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return strstr(buf, "Sanitizer") || strstr(buf, "runtime error:");
}

static void read_log(FILE *log, struct strbuf *out)
{
	char buf[LOG_MAX];

	fflush(log);
	rewind(log);
	size_t n = fread(buf, 1, sizeof buf, log);
	sb_add(out, buf, n);
}

/* Kill the worker and its group; the shim then ends what escaped that,
 * and exits (or is killed, past its grace). */
static void stop_child(pid_t pid, pid_t worker, int *status)
{
	if (is_child_of(worker, pid)) {
		kill(-worker, SIGKILL);
		kill(worker, SIGKILL);
	}
	if (!wait_for(pid, status, SHIM_GRACE_US)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
}

/* Does a worker holding rss bytes, having inherited some, hold more
 * than the harness's share and the subject's limit? */
static bool past_limit(const struct sbx_limits *lim, size_t inherited,
		       size_t rss)
{
	size_t own = inherited + lim->harness_bytes;
	return lim->memory && rss > own && rss - own > lim->memory;
}

/* How often the watcher reads the worker's memory. */
#define MEMORY_POLL_US 20000u

void sbx_run(struct sbx_shared *sh, sbx_fn fn, void *arg,
	     const struct sbx_limits *lim, struct sbx_result *res)
{
	int alive[2];
	FILE *log = tmpfile();
	uint64_t start = now_us();
	size_t cap = sh->result_cap; /* the child may write over the area */

	memset(res, 0, sizeof *res);
	sh->heartbeat = 0;
	sh->progress = 0;
	sh->done = 0;
	sh->harness_failed = 0;
	sh->worker = 0;
	sh->current[0] = '\0';
	sh->result_len = 0;
	if (!log || pipe2(alive, O_CLOEXEC) != 0) {
		res->outcome = SBX_ERROR;
		sb_addf(&res->log, "sandbox: %s: %s", log ? "pipe" : "tmpfile",
			strerror(errno));
		if (log)
			fclose(log);
		return;
	}
	fflush(NULL);
	/* The worker inherits this much, and the harness's share in it is
	 * lim->harness_bytes: the rest of what it holds is the subject's. */
	size_t inherited = self_rss();
	pid_t pid = fork();
	if (pid < 0) {
		res->outcome = SBX_ERROR;
		sb_addf(&res->log, "sandbox: fork: %s", strerror(errno));
		fclose(log);
		close(alive[0]);
		close(alive[1]);
		return;
	}
	if (pid == 0) {
		/* A crash must end the child: take back any handler the host
		 * program installed (a test framework's would carry on
		 * running its tests in here). */
		static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
					    SIGABRT, SIGSYS, SIGTRAP};
		for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
			signal(fatal[i], SIG_DFL);
		/* Its own process group, gone with the parent: nothing the
		 * subject starts outlives the run. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(alive[0]);
		/* What the subject prints goes to the log, not the report. */
		dup2(fileno(log), STDOUT_FILENO);
		dup2(fileno(log), STDERR_FILENO);
		shim(sh, fn, arg);
	}
	close(alive[1]);

	/* Wait for the child, watching its heartbeat. The pipe closing only
	 * wakes us early; the child's exit status decides. */
	uint64_t beat = sh->heartbeat, last_change = now_us();
	bool hung = false, grew = false, pipe_open = true, reporting = false;
	uint64_t allowed_us = (uint64_t)lim->stall_ms * 1000, polled = 0;
	int status = 0;
	struct rusage ru = {0};
	for (;;) {
		/* ru: the kernel's peak of the biggest process below, read
		 * when it ends: growth too quick for the polling below. */
		pid_t w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		struct pollfd p = {alive[0], POLLIN, 0};
		if (!pipe_open || poll(&p, 1, 20) > 0) {
			pipe_open = false;
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
		pid_t worker = sh->worker;
		if (lim->memory && now_us() - polled >= MEMORY_POLL_US &&
		    is_child_of(worker, pid)) {
			polled = now_us();
			size_t rss = tree_rss(worker, 8);
			if (past_limit(lim, inherited, rss)) {
				grew = true;
				res->peak_bytes = rss - inherited;
				stop_child(pid, worker, &status);
				break;
			}
		}
		if (sh->heartbeat != beat) {
			beat = sh->heartbeat;
			last_change = now_us();
		} else if (now_us() - last_change > allowed_us) {
			/* A child writing a sanitizer report is dying, not
			 * stuck: symbolizing can outlast the deadline on a
			 * loaded machine. Give it time to exit by itself. */
			if (!reporting && report_started(log)) {
				reporting = true;
				allowed_us += REPORT_GRACE_US;
				continue;
			}
			hung = true;
			stop_child(pid, worker, &status);
			break;
		}
	}
	kill(-pid, SIGKILL); /* whatever the subject left running */
	close(alive[0]);
	sh->current[SBX_CURRENT_MAX - 1] = '\0';
	sh->result_cap = cap; /* result_len is checked against it */
	res->elapsed_us = now_us() - start;
	read_log(log, &res->log);
	fclose(log);
	size_t peak = (size_t)ru.ru_maxrss * 1024;
	if (!grew && !hung && past_limit(lim, inherited, peak)) {
		grew = true;
		res->peak_bytes = peak - inherited;
	}
	if (grew) {
		res->outcome = SBX_MEMORY;
	} else if (hung) {
		res->outcome = SBX_HANG;
	} else if (WIFSIGNALED(status)) {
		res->outcome = SBX_CRASH;
		res->signal = WTERMSIG(status);
	} else if (WEXITSTATUS(status) != 0 && sh->harness_failed) {
		res->outcome = SBX_ERROR;
	} else if (WEXITSTATUS(status) != 0) {
		/* Sanitizers report, then exit non-zero. */
		res->outcome = SBX_CRASH;
		res->status = WEXITSTATUS(status);
	} else {
		res->outcome = sh->done ? SBX_OK : SBX_EXIT;
	}
}

_Noreturn void sbx_child_fail(struct sbx_shared *sh, bool harness,
			      const char *what)
{
	sh->harness_failed = harness;
	fprintf(stderr, "%s\n", what);
	fflush(stderr);
	_exit(3);
}

void sbx_result_free(struct sbx_result *res)
{
	sb_free(&res->log);
}

void sbx_describe(const struct sbx_result *res, const struct sbx_limits *lim,
		  struct strbuf *out)
{
	switch (res->outcome) {
	case SBX_OK:
		sb_adds(out, "finished");
		break;
	case SBX_CRASH:
		if (res->signal)
			sb_addf(out, "killed by signal %d (%s)", res->signal,
				strsignal(res->signal));
		else
			sb_addf(out, "exit status %d (a sanitizer report?)",
				res->status);
		break;
	case SBX_EXIT:
		sb_adds(out, "the subject exited with status 0 mid-run");
		break;
	case SBX_HANG:
		sb_addf(out, "no progress for %u ms: killed", lim->stall_ms);
		break;
	case SBX_MEMORY:
		sb_addf(out,
			"resident memory grew by %zu MiB, past the limit of "
			"%zu "
			"MiB (--memory-limit) with %zu MiB for the harness's "
			"own: killed",
			res->peak_bytes >> 20, lim->memory >> 20,
			lim->harness_bytes >> 20);
		break;
	case SBX_ERROR:
		sb_add(out, res->log.s, res->log.len);
		break;
	}
}
