/*
 * loader.h - find a subject by name (built in) or load it from a shared
 * object (anything with a '/' or ending in .so).
 */
#ifndef SRH_LOADER_H
#define SRH_LOADER_H

#include <stdbool.h>

#include "strbuf.h"
#include "subject.h"

/* The subject, or NULL with the reason in err. */
const struct srh_subject *loader_open(const char *arg, struct strbuf *err);
/* Does s keep the contract (ABI, name, a whole shape)? false with the
 * reason in err. loader_open() checks what it loads. */
bool loader_check(const struct srh_subject *s, struct strbuf *err);
/* Names of the built-in subjects, one per line, for --help. */
void loader_list(struct strbuf *out);

#endif
