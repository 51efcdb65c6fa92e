/*
 * replay.c - the standalone driver: runs a fuzz target over files and
 * folders (recursively, in name order) without a fuzzing engine. The unit
 * tests link it; any C compiler builds it. Each input is passed in a heap
 * buffer of exactly its size, so a sanitizer sees every overread.
 *
 *   fuzz_split FILE|DIR...      exit 0: every input passed; a failing one
 *                               aborts with the target's report; exit 2:
 *                               an input could not be read or is longer
 *                               than the targets take (FUZZ_MAX_INPUT,
 *                               named, not counted as passed), or there
 *                               was no input at all
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

struct tally {
	size_t files, bytes, too_long;
};

static int run_file(const char *path, struct tally *t)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *more = realloc(buf, cap *= 2);
			if (!more)
				free(buf);
			buf = more;
		}
	}
	int bad = ferror(f) ? errno : 0;
	fclose(f);
	if (!buf || bad) {
		fprintf(stderr, "replay: %s: cannot read: %s\n", path,
			strerror(buf ? bad : ENOMEM));
		free(buf);
		return 2;
	}
	/* The targets return at once on these: passing them would be a lie. */
	if (len > FUZZ_MAX_INPUT) {
		fprintf(stderr,
			"replay: %s: %zu bytes, longer than the %u the targets "
			"take (FUZZ_MAX_INPUT): not run\n",
			path, len, FUZZ_MAX_INPUT);
		free(buf);
		t->too_long++;
		return 0;
	}
	/* An exact-size copy: the slack above would hide overreads. */
	uint8_t *exact = srh_alloc(len);
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	t->files++;
	t->bytes += len;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, struct tally *t)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, t);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		if (!names || asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = run_path(names[i], t);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct tally t = {0};
	int rc = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fprintf(stderr,
			"usage: %s FILE|DIR...\n"
			"Run this fuzz target once on each file, folders "
			"recursively.\nExit 0 when all pass; a failure aborts "
			"with its report.\n",
			argv[0]);
		return argc < 2 ? 2 : 0;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc && !rc; i++)
		rc = run_path(argv[i], &t);
	if (rc)
		return rc;
	if (t.files)
		printf("replay: %zu inputs (%zu bytes) passed\n", t.files,
		       t.bytes);
	if (t.too_long) {
		fprintf(stderr, "replay: %zu input(s) not run: too long\n",
			t.too_long);
		return 2;
	}
	if (t.files == 0) {
		fprintf(stderr, "replay: no input in the paths given\n");
		return 2;
	}
	return 0;
}
