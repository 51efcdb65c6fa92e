/*
 * loader.c - see loader.h.
 */
#include "loader.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "hook.h"
#include "subjects/subjects.h"

static const struct srh_subject *const builtin[] = {
	&srh_reference_subject,
	&srh_adapter_subject,
};

bool loader_check(const struct srh_subject *s, struct strbuf *err)
{
	int push = !!s->create + !!s->feed + !!s->finish + !!s->destroy;

	if (s->abi != SRH_SUBJECT_ABI && s->abi != 1) {
		sb_addf(err,
			"built for subject ABI %u, this harness has %u (and "
			"loads 1)",
			s->abi, SRH_SUBJECT_ABI);
		return false;
	}
	if (!s->name || !s->name[0]) {
		sb_adds(err, "the subject has no name");
		return false;
	}
	if (push != 0 && push != 4) {
		sb_adds(err, "a push subject needs create, feed, finish and "
			     "destroy");
		return false;
	}
	if (push == 0 && !s->read_fd) {
		sb_adds(err, "the subject has neither shape (push functions "
			     "or read_fd)");
		return false;
	}
	if (push == 0 && (s->clone || s->reset || s->work)) {
		sb_adds(err, "clone, reset and work need the push shape");
		return false;
	}
	return true;
}

const struct srh_subject *loader_open(const char *arg, struct strbuf *err)
{
	const struct srh_subject *s = NULL;

	if (!strchr(arg, '/') && !strstr(arg, ".so")) {
		for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
			if (strcmp(builtin[i]->name, arg) == 0)
				return builtin[i];
		sb_addf(err,
			"no built-in subject '%s' (a shared object "
			"needs a '/' in its path, e.g. ./%s.so)",
			arg, arg);
		return NULL;
	}
	void *h = dlopen(arg, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		sb_addf(err, "%s", dlerror());
		return NULL;
	}
	srh_subject_fn fn;
	void *sym = dlsym(h, SRH_SUBJECT_SYMBOL);
	if (!sym) {
		sb_addf(err, "%s: no function %s(); use SRH_SUBJECT_EXPORT",
			arg, SRH_SUBJECT_SYMBOL);
		return NULL;
	}
	memcpy(&fn, &sym, sizeof fn); /* object to function pointer */
	s = fn();
	if (!s) {
		sb_addf(err, "%s: %s() returned NULL", arg, SRH_SUBJECT_SYMBOL);
		return NULL;
	}
	if (!loader_check(s, err))
		return NULL;
	if (s->abi == 1) {
		/* Its struct ends at read_fd: the rest, the defaults. Kept
		 * for the life of the process, as the handle is: the one
		 * state of the loader's own (a process loads few). */
		static struct srh_subject upgraded[16];
		static size_t nupgraded;
		if (nupgraded == sizeof upgraded / sizeof upgraded[0]) {
			sb_addf(err, "%s: more than %zu ABI 1 subjects loaded",
				arg, nupgraded);
			return NULL;
		}
		struct srh_subject *full = &upgraded[nupgraded++];
		memcpy(full, s, offsetof(struct srh_subject, limits));
		full->abi = SRH_SUBJECT_ABI;
		s = full;
	}
	/* Its allocations and reads, for the families that watch them;
	 * without (hook_active() false) those families skip it. */
	struct strbuf why = {0};
	hook_install(h, &why);
	sb_free(&why);
	return s; /* the handle stays open for the life of the process */
}

void loader_list(struct strbuf *out)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		sb_addf(out, "  %-12s %s\n", builtin[i]->name,
			builtin[i]->description);
}
