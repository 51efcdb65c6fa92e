/*
 * hook.h - the subject's own calls into the C library, seen and steered:
 * its allocations counted (live bytes, peak, calls) and the k-th made to
 * fail; its read() and recv() given faults. hook_install() rewrites one
 * loaded shared object's imports (its GOT slots for malloc, read, ...), so
 * only that object's calls come here: never the harness's, nor the C
 * library's own, nor another library's the subject links.
 *
 *   hook_install(dlopen_handle, &err);      once, after loading the subject
 *   hook_plan(&(struct hook_plan){.fail_alloc = 3});   in a child, per run
 *   ... run the subject ...
 *   struct hook_stats st; hook_stats(&st);   st.peak, st.allocs, st.refused
 *
 * The state is the process's own, one for all (a hook gets no argument to
 * carry it) and guarded by nothing: the subject runs in one thread at a
 * time. A forked child inherits the hooks and sets its own plan.
 */
#ifndef SRH_HOOK_H
#define SRH_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

/* The faults read() and recv() on the planned fd are given. */
#define HOOK_FAULTS(X)                                                    \
	X(NONE, "none", "no fault")                                       \
	X(EINTR, "eintr", "every other read fails with EINTR first")      \
	X(SHORT, "short", "each read returns one byte when more waits")   \
	X(EAGAIN, "eagain",                                               \
	  "the socket is non-blocking: a read with nothing waiting "      \
	  "fails with EAGAIN")                                            \
	X(RESET, "reset",                                                 \
	  "after the last byte, ECONNRESET instead of the end of stream") \
	X(EOF_DATA, "eof-data",                                           \
	  "the last bytes arrive together with the end of stream")

enum hook_fault {
#define HOOK_FAULT_ENUM(id, name, what) HOOK_FAULT_##id,
	HOOK_FAULTS(HOOK_FAULT_ENUM)
#undef HOOK_FAULT_ENUM
		HOOK_FAULT_COUNT
};

const char *hook_fault_name(enum hook_fault f);
const char *hook_fault_what(enum hook_fault f);

struct hook_plan {
	uint64_t fail_alloc; /* the k-th allocation from now fails; 0: none */
	enum hook_fault fault;
	int fault_fd; /* the fd the fault is for; -1: any the subject reads */
};

struct hook_stats {
	size_t live, peak; /* bytes allocated and not freed, since the plan */
	uint64_t allocs;   /* allocation calls since the plan */
	bool refused;	   /* the planned allocation was made to fail */
	uint64_t faults;   /* reads given a fault */
};

/* Hook the imports of the object dlopen() gave handle; false with why in
 * err (not an ELF object this knows). An object that imports none of the
 * functions is hooked trivially: nothing is seen. */
bool hook_install(void *handle, struct strbuf *err);
/* Is some object hooked in this process? Without, allocations go unseen. */
bool hook_active(void);
/* Start counting afresh with plan p. */
void hook_plan(const struct hook_plan *p);
void hook_stats(struct hook_stats *out);
/* A run_opts.stop for a run whose verdict is in once the peak passes
 * *(const size_t *)bound (0: never): true from then on. */
bool hook_past_peak(void *bound);

/* The wrappers, under the names hook.syms gives a linked subject's calls:
 * each counts or steers, then calls the real function. */
void *srh_hook_malloc(size_t n);
void *srh_hook_calloc(size_t n, size_t size);
void *srh_hook_realloc(void *p, size_t n);
void *srh_hook_reallocarray(void *p, size_t n, size_t size);
void srh_hook_free(void *p);
char *srh_hook_strdup(const char *s);
char *srh_hook___strdup(const char *s);
char *srh_hook_strndup(const char *s, size_t n);
int srh_hook_posix_memalign(void **out, size_t align, size_t n);
void *srh_hook_aligned_alloc(size_t align, size_t n);
ssize_t srh_hook_read(int fd, void *buf, size_t n);
ssize_t srh_hook_recv(int fd, void *buf, size_t n, int flags);
ssize_t srh_hook_read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t srh_hook_recv_chk(int fd, void *buf, size_t n, size_t buflen,
			  int flags);

#endif
