/*
 * hook.c - see hook.h. The subject's GOT slots for the functions below are
 * pointed at wrappers that count and steer, then call the real function
 * (what the harness itself calls by that name: glibc's, or ASan's).
 */
#define _GNU_SOURCE
#include "hook.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* The one state (hook.h says why). */
static struct {
	bool active;
	struct hook_plan plan;
	struct hook_stats st;
	uint64_t reads; /* on the fault fd, since the plan */
} hk;

static const char *const fault_names[] = {
#define HOOK_FAULT_NAME(id, name, what) name,
	HOOK_FAULTS(HOOK_FAULT_NAME)
#undef HOOK_FAULT_NAME
};
static const char *const fault_whats[] = {
#define HOOK_FAULT_WHAT(id, name, what) what,
	HOOK_FAULTS(HOOK_FAULT_WHAT)
#undef HOOK_FAULT_WHAT
};

const char *hook_fault_name(enum hook_fault f)
{
	return f < HOOK_FAULT_COUNT ? fault_names[f] : "?";
}

const char *hook_fault_what(enum hook_fault f)
{
	return f < HOOK_FAULT_COUNT ? fault_whats[f] : "?";
}

bool hook_active(void)
{
	return hk.active;
}

void hook_plan(const struct hook_plan *p)
{
	hk.plan = *p;
	memset(&hk.st, 0, sizeof hk.st);
	hk.reads = 0;
}

void hook_stats(struct hook_stats *out)
{
	*out = hk.st;
}

bool hook_past_peak(void *bound)
{
	size_t b = *(const size_t *)bound;
	return b && hk.st.peak > b;
}

/* ---- allocations ---- */

/* Is this allocation the one planned to fail? */
static bool refuse(void)
{
	hk.st.allocs++;
	if (hk.plan.fail_alloc && hk.st.allocs == hk.plan.fail_alloc) {
		hk.st.refused = true;
		errno = ENOMEM;
		return true;
	}
	return false;
}

static void *gained(void *p)
{
	if (p) {
		hk.st.live += malloc_usable_size(p);
		if (hk.st.live > hk.st.peak)
			hk.st.peak = hk.st.live;
	}
	return p;
}

/* Freed: a block from before the plan may take more than was counted. */
static void lost(void *p)
{
	size_t n = p ? malloc_usable_size(p) : 0;
	hk.st.live = n > hk.st.live ? 0 : hk.st.live - n;
}

void *srh_hook_malloc(size_t n)
{
	return refuse() ? NULL : gained(malloc(n));
}

void *srh_hook_calloc(size_t n, size_t size)
{
	return refuse() ? NULL : gained(calloc(n, size));
}

void *srh_hook_realloc(void *p, size_t n)
{
	if (refuse())
		return NULL;
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = realloc(p, n);
	if (!q && n)
		return NULL; /* p stands */
	hk.st.live = old > hk.st.live ? 0 : hk.st.live - old;
	return gained(q);
}

void *srh_hook_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return srh_hook_realloc(p, n * size);
}

void srh_hook_free(void *p)
{
	lost(p);
	free(p);
}

char *srh_hook_strdup(const char *s)
{
	return refuse() ? NULL : gained(strdup(s));
}

/* glibc's name for strdup when its string.h inlines it. */
char *srh_hook___strdup(const char *s)
{
	return srh_hook_strdup(s);
}

char *srh_hook_strndup(const char *s, size_t n)
{
	return refuse() ? NULL : gained(strndup(s, n));
}

int srh_hook_posix_memalign(void **out, size_t align, size_t n)
{
	if (refuse())
		return ENOMEM;
	int rc = posix_memalign(out, align, n);
	if (rc == 0)
		gained(*out);
	return rc;
}

void *srh_hook_aligned_alloc(size_t align, size_t n)
{
	return refuse() ? NULL : gained(aligned_alloc(align, n));
}

/* ---- reads ---- */

/* Wait (a while) for the writer to have shut down, so that the read
 * brings the last bytes and the end together. */
static void await_hangup(int fd)
{
	for (int i = 0; i < 20; i++) {
		struct pollfd p = {fd, POLLRDHUP, 0};
		if (poll(&p, 1, 10) > 0 && (p.revents & (POLLRDHUP | POLLHUP)))
			return;
	}
}

static bool waiting(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) > 0;
}

/* A fault instead of the read, or the count to read (*n, maybe cut). */
static bool faulted(int fd, size_t *n, ssize_t *ret)
{
	if (hk.plan.fault == HOOK_FAULT_NONE ||
	    (hk.plan.fault_fd >= 0 && fd != hk.plan.fault_fd))
		return false;
	hk.reads++;
	switch (hk.plan.fault) {
	case HOOK_FAULT_EINTR:
		if (hk.reads % 2)
			goto fail_with_eintr;
		break;
	case HOOK_FAULT_SHORT:
		if (*n > 1)
			*n = 1;
		break;
	case HOOK_FAULT_EAGAIN:
		if (hk.reads % 2 && !waiting(fd)) {
			hk.st.faults++;
			errno = EAGAIN;
			*ret = -1;
			return true;
		}
		break;
	case HOOK_FAULT_EOF_DATA:
		if (hk.reads == 1)
			await_hangup(fd);
		break;
	default:
		break;
	}
	return false;
fail_with_eintr:
	hk.st.faults++;
	errno = EINTR;
	*ret = -1;
	return true;
}

/* After the read: the end of stream turned into a reset. */
static ssize_t after(int fd, ssize_t got)
{
	if (got == 0 && hk.plan.fault == HOOK_FAULT_RESET &&
	    (hk.plan.fault_fd < 0 || fd == hk.plan.fault_fd)) {
		hk.st.faults++;
		errno = ECONNRESET;
		return -1;
	}
	return got;
}

ssize_t srh_hook_read(int fd, void *buf, size_t n)
{
	ssize_t ret;
	if (faulted(fd, &n, &ret))
		return ret;
	return after(fd, read(fd, buf, n));
}

ssize_t srh_hook_recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t ret;
	if (faulted(fd, &n, &ret))
		return ret;
	return after(fd, recv(fd, buf, n, flags));
}

ssize_t srh_hook_read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		abort(); /* what the fortified read does */
	return srh_hook_read(fd, buf, n);
}

ssize_t srh_hook_recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		abort();
	return srh_hook_recv(fd, buf, n, flags);
}

/* ---- installing ---- */

#define HOOK_FN(name, fn)                          \
	{                                          \
		name, (void (*)(void))(void *)(fn) \
	}

static const struct {
	const char *name;
	void (*fn)(void);
} hooks[] = {
	HOOK_FN("malloc", srh_hook_malloc),
	HOOK_FN("calloc", srh_hook_calloc),
	HOOK_FN("realloc", srh_hook_realloc),
	HOOK_FN("reallocarray", srh_hook_reallocarray),
	HOOK_FN("free", srh_hook_free),
	HOOK_FN("strdup", srh_hook_strdup),
	HOOK_FN("strndup", srh_hook_strndup),
	HOOK_FN("__strdup", srh_hook___strdup),
	HOOK_FN("posix_memalign", srh_hook_posix_memalign),
	HOOK_FN("aligned_alloc", srh_hook_aligned_alloc),
	HOOK_FN("read", srh_hook_read),
	HOOK_FN("recv", srh_hook_recv),
	HOOK_FN("__read_chk", srh_hook_read_chk),
	HOOK_FN("__recv_chk", srh_hook_recv_chk),
};

/* A dynamic entry's address: relocated by the loader on most targets,
 * not on some (MIPS, RISC-V keep theirs read-only). */
static uintptr_t dyn_addr(const struct link_map *lm, ElfW(Addr) v)
{
	return v < lm->l_addr ? lm->l_addr + v : v;
}

static bool patch(uintptr_t slot, void (*fn)(void))
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t at = slot & ~(uintptr_t)(page - 1);
	/* Slots are aligned: one page. The subject's RELRO is lost; it
	 * matters to no test. */
	if (mprotect((void *)at, (size_t)page, PROT_READ | PROT_WRITE) != 0)
		return false;
	memcpy((void *)slot, &fn, sizeof fn);
	return true;
}

static bool patch_relocs(const struct link_map *lm, const ElfW(Rela) * r,
			 size_t bytes, const ElfW(Sym) * sym, const char *str,
			 struct strbuf *err)
{
	for (size_t i = 0; i < bytes / sizeof *r; i++) {
		unsigned long type = ELF64_R_TYPE(r[i].r_info);
#if defined(__x86_64__)
		if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
			continue;
#elif defined(__aarch64__)
		if (type != R_AARCH64_JUMP_SLOT && type != R_AARCH64_GLOB_DAT)
			continue;
#else
		(void)type;
#endif
		const char *name = str + sym[ELF64_R_SYM(r[i].r_info)].st_name;
		for (size_t h = 0; h < sizeof hooks / sizeof hooks[0]; h++) {
			if (strcmp(name, hooks[h].name) != 0)
				continue;
			if (!patch(lm->l_addr + r[i].r_offset, hooks[h].fn)) {
				sb_addf(err, "hooking %s: %s", name,
					strerror(errno));
				return false;
			}
		}
	}
	return true;
}

bool hook_install(void *handle, struct strbuf *err)
{
#if !defined(__x86_64__) && !defined(__aarch64__)
	(void)handle;
	sb_adds(err, "allocation and read hooks: x86-64 and arm64 only");
	return false;
#else
	struct link_map *lm = NULL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_ld) {
		sb_addf(err, "no link map: %s", dlerror());
		return false;
	}
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const ElfW(Rela) *rel = NULL, *plt = NULL;
	size_t relsz = 0, pltsz = 0;
	for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			sym = (const void *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			str = (const void *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_RELA:
			rel = (const void *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_RELASZ:
			relsz = d->d_un.d_val;
			break;
		case DT_JMPREL:
			plt = (const void *)dyn_addr(lm, d->d_un.d_ptr);
			break;
		case DT_PLTRELSZ:
			pltsz = d->d_un.d_val;
			break;
		}
	}
	if (!sym || !str) {
		sb_adds(err, "no dynamic symbol table");
		return false;
	}
	if ((plt && !patch_relocs(lm, plt, pltsz, sym, str, err)) ||
	    (rel && !patch_relocs(lm, rel, relsz, sym, str, err)))
		return false;
	hk.active = true;
	return true;
#endif
}
