/*
 * inputs.c - see inputs.h.
 */
#define _GNU_SOURCE
#include "inputs.h"
#include "alloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "defaults.h"
#include "report.h"

struct input *inputs_add(struct inputs *in, const char *name)
{
	in->v = srh_grow(in->v, &in->cap, in->n + 1, sizeof *in->v);
	struct input *x = &in->v[in->n++];
	memset(x, 0, sizeof *x);
	x->name = strdup(name);
	x->shape = -1;
	return x;
}

/* The file's bytes into out; false with errno set (EFBIG: longer than
 * SRH_INPUT_MAX). */
static bool read_file(const char *path, struct strbuf *out)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (!f)
		return false;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (out->len + n > SRH_INPUT_MAX) {
			fclose(f);
			errno = EFBIG;
			return false;
		}
		sb_add(out, buf, n);
	}
	int e = ferror(f) ? errno : 0;
	fclose(f);
	if (!out->s)
		sb_adds(out, "");
	errno = e;
	return e == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A transcript written by hand or on Windows: CRLF line ends read as
 * LF, and a last line without one gets it, so the comparison sees only
 * what a person sees. */
static void plain_lines(struct strbuf *t)
{
	size_t w = 0;
	for (size_t r = 0; r < t->len; r++)
		if (!(t->s[r] == '\r' && r + 1 < t->len && t->s[r + 1] == '\n'))
			t->s[w++] = t->s[r];
	t->len = w;
	if (w)
		t->s[w] = '\0';
	if (w && t->s[w - 1] != '\n')
		sb_adds(t, "\n");
}

static bool load_file(struct inputs *in, const char *path,
		      struct strbuf *errors)
{
	struct strbuf text = {0}, err = {0};

	if (!read_file(path, &text)) {
		if (errno == EFBIG)
			sb_addf(errors,
				"%s: longer than %u bytes (SRH_INPUT_MAX): not "
				"read\n",
				path, SRH_INPUT_MAX);
		else
			sb_addf(errors, "%s: %s\n", path, strerror(errno));
		sb_free(&text);
		return false;
	}
	struct input *x = inputs_add(in, path);
	if (ends_with(path, ".case")) {
		struct report_case c;
		bool ok = report_case_read(sb_str(&text), text.len, &c, &err);
		if (ok) {
			x->bytes = c.stream;
			c.stream = (struct strbuf){0};
			x->shape = c.shape;
			if (c.cuts.len) {
				ok = sched_parse(&x->pinned, c.cuts.s,
						 x->bytes.len, &err);
				x->has_pinned = ok;
			}
		}
		report_case_free(&c);
		if (!ok) {
			sb_addf(errors, "%s: %s\n", path, sb_str(&err));
			sb_free(&text);
			sb_free(&err);
			return false;
		}
		sb_free(&text);
	} else {
		x->bytes = text;
	}
	char *tpath = srh_alloc(strlen(path) + 12);
	sprintf(tpath, "%s.transcript", path);
	x->has_expected = read_file(tpath, &x->expected);
	if (x->has_expected)
		plain_lines(&x->expected);
	free(tpath);
	sb_free(&err);
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders a walk has read, by device and inode: each is read once,
 * however many symbolic links lead to it (a link to "." or to a parent
 * would otherwise make the walk endless). */
struct walk {
	struct walk_dir {
		dev_t dev;
		ino_t ino;
	} * v;
	size_t n, cap;
};

/* False when the folder was read already; else it is now. */
static bool walk_first_visit(struct walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].dev == st->st_dev && w->v[i].ino == st->st_ino)
			return false;
	w->v = srh_grow(w->v, &w->cap, w->n + 1, sizeof *w->v);
	w->v[w->n++] = (struct walk_dir){st->st_dev, st->st_ino};
	return true;
}

/* Files under dir, sorted, recursively; not .transcript or dot files, nor
 * the fuzz targets' own inputs (fuzz_* folders: not plain streams). */
static bool load_dir(struct inputs *in, const char *dir, struct walk *w,
		     struct strbuf *errors)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat self;
	char **names = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;

	if (!d) {
		sb_addf(errors, "%s: %s\n", dir, strerror(errno));
		return false;
	}
	if (fstat(dirfd(d), &self) != 0) {
		sb_addf(errors, "%s: %s\n", dir, strerror(errno));
		closedir(d);
		return false;
	}
	if (!walk_first_visit(w, &self)) {
		closedir(d);
		return true;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    strncmp(e->d_name, "fuzz_", 5) == 0 ||
		    ends_with(e->d_name, ".transcript") ||
		    ends_with(e->d_name, ".md") ||
		    ends_with(e->d_name, ".dict") ||
		    ends_with(e->d_name, ".options"))
			continue;
		names = srh_grow(names, &cap, n + 1, sizeof *names);
		names[n] = srh_alloc(strlen(dir) + strlen(e->d_name) + 2);
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0) {
			sb_addf(errors, "%s: %s\n", names[i], strerror(errno));
			ok = false;
		} else if (S_ISDIR(st.st_mode))
			ok &= load_dir(in, names[i], w, errors);
		else if (S_ISREG(st.st_mode))
			ok &= load_file(in, names[i], errors);
		else { /* a FIFO would block the walk, a device never end */
			sb_addf(errors,
				"%s: not a regular file or a folder (a FIFO, "
				"socket or device): not read\n",
				names[i]);
			ok = false;
		}
		free(names[i]);
	}
	free(names);
	return ok;
}

bool inputs_load(struct inputs *in, const char *path, struct strbuf *errors)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct walk w = {0};
		bool ok = load_dir(in, path, &w, errors);
		free(w.v);
		return ok;
	}
	return load_file(in, path, errors);
}

void inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->v[i].name);
		sb_free(&in->v[i].bytes);
		sb_free(&in->v[i].expected);
		sched_free(&in->v[i].pinned);
		if (in->v[i].model) {
			gen_free(in->v[i].model);
			free(in->v[i].model);
		}
	}
	free(in->v);
	memset(in, 0, sizeof *in);
}
