/*
 * wire.c - see wire.h.
 */
#define _GNU_SOURCE
#include "wire.h"
#include "alloc.h"
#include "sandbox.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void wire_outcome_free(struct wire_outcome *o)
{
	sb_free(&o->early_what);
	sb_free(&o->commands);
	sb_free(&o->bodies);
	sb_free(&o->transcript);
	sb_free(&o->client_out);
	sb_free(&o->stream);
	sb_free(&o->outcome_line);
	for (size_t i = 0; i < o->nexchanges; i++)
		sb_free(&o->exchanges[i].reply);
	memset(o, 0, sizeof *o);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- one connection ------------------------------------------------------ */

struct conn {
	const struct wire_opts *o;
	const struct sched *sc; /* the run's, merged with scripted cuts */
	struct sched own;	/* that merge, with o->scripted */
	uint32_t cut_verbs;	/* verbs whose scripted cuts are in own */
	uint64_t last_activity; /* for the scenario's idle bound */
	struct wire_outcome *out;
	int fd;
	unsigned index; /* 1, 2, ... */
	uint64_t start, until;
	bool timed_out, closed;
	uint32_t written; /* bytes written on this connection */
	size_t next_cut;  /* first cut not yet reached */
	char in[WIRE_MAX_LINE * 4];
	size_t have;
	bool pipelining;     /* advertised in this connection's EHLO reply */
	bool in_data;	     /* reading a message */
	unsigned rcpt_taken; /* recipients with a 2xx since MAIL */
};

static void note(struct conn *c, const char *dir, const void *p, size_t n)
{
	struct strbuf *t = &c->out->transcript;

	if (t->len > WIRE_MAX_TRANSCRIPT)
		return;
	sb_addf(t, "%7.3f  %s", (double)(now_ms() - c->start) / 1000.0, dir);
	if (p) {
		sb_adds(t, " \"");
		sb_add_escaped(t, p, n < 400 ? n : 400);
		sb_adds(t, n < 400 ? "\"" : "\"...");
	}
	sb_adds(t, "\n");
	if (t->len > WIRE_MAX_TRANSCRIPT)
		sb_adds(t, "        (transcript cut short)\n");
}

static int remaining_ms(const struct conn *c)
{
	uint64_t now = now_ms();
	return now >= c->until ? 0 : (int)(c->until - now);
}

/* Read what the client has sent, waiting up to wait_ms; false at end of
 * stream, on error or at the deadline. */
static bool take_input(struct conn *c, int wait_ms)
{
	struct pollfd p = {c->fd, POLLIN, 0};

	if (c->closed)
		return false;
	int left = remaining_ms(c);
	if (left == 0) {
		c->timed_out = true;
		return false;
	}
	/* Full (a client that talks without waiting): wait, but read no
	 * more until the server has taken lines out. */
	int r = poll(c->have == sizeof c->in ? NULL : &p,
		     c->have == sizeof c->in ? 0 : 1,
		     wait_ms < left ? wait_ms : left);
	if (r <= 0)
		return r == 0 || errno == EINTR;
	ssize_t n = recv(c->fd, c->in + c->have, sizeof c->in - c->have, 0);
	if (n <= 0) {
		c->closed = true;
		return false;
	}
	note(c, "C>", c->in + c->have, (size_t)n);
	c->have += (size_t)n;
	c->last_activity = now_ms();
	return true;
}

/* Has the client been silent past the scenario's idle bound? Then the
 * server hangs up. */
static bool idle_over(struct conn *c)
{
	unsigned idle = c->o->scn->idle_ms;

	if (!idle || now_ms() - c->last_activity < idle)
		return false;
	note(c, "idle: the server hangs up", NULL, 0);
	c->closed = true;
	return true;
}

static bool send_all(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			c->closed = true;
			return false;
		}
		struct pollfd q = {c->fd, POLLOUT, 0};
		int left = remaining_ms(c);
		if (left == 0) {
			c->timed_out = true;
			return false;
		}
		poll(&q, 1, left);
	}
	return true;
}

/* Commands a pipelining client may send before the reply to the one
 * before them (RFC 2920): inside a reply to MAIL, RCPT, RSET or the end of
 * data, bytes that are only such commands (MAIL, RCPT, RSET, or a group's
 * last: DATA, NOOP, QUIT) are not early. A message body is. */
static bool pipelined(const char *verb, const char *p, size_t n)
{
	static const char *const next[] = {"MAIL", "RCPT", "RSET",
					   "DATA", "NOOP", "QUIT"};

	if (strcmp(verb, "MAIL") != 0 && strcmp(verb, "RCPT") != 0 &&
	    strcmp(verb, "RSET") != 0 && strcmp(verb, ".") != 0)
		return false;
	while (n > 0) {
		bool known = false;
		for (size_t i = 0; i < sizeof next / sizeof next[0]; i++)
			known |= n >= 4 && strncasecmp(p, next[i], 4) == 0 &&
				 (n == 4 || p[4] == ' ' || p[4] == '\r' ||
				  p[4] == '\n');
		if (!known)
			return false;
		const char *nl = memchr(p, '\n', n);
		if (!nl)
			return true; /* the rest of it is yet to come */
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return true;
}

/* Pause inside a reply, catching a client that talks. */
static void pause_inside(struct conn *c, unsigned ms, const char *verb,
			 uint32_t at)
{
	uint64_t end = now_ms() + ms;
	size_t before = c->have;

	if (ms) {
		char what[32];
		snprintf(what, sizeof what, "pause %u ms", ms);
		note(c, what, NULL, 0);
	}
	do {
		uint64_t now = now_ms();
		int wait = now >= end ? 0 : (int)(end - now);
		if (!take_input(c, wait))
			break;
	} while (now_ms() < end);
	/* Judge whole lines: the start of one may have come before. */
	size_t from = before;
	while (from > 0 && c->in[from - 1] != '\n')
		from--;
	if (c->have == before ||
	    (c->pipelining && pipelined(verb, c->in + from, c->have - from)))
		return;
	if (c->out->early++ == 0) {
		size_t n = c->have - before;
		struct strbuf *w = &c->out->early_what;
		sb_addf(w, "connection %u: the client sent \"", c->index);
		sb_add_escaped(w, c->in + before, n < 60 ? n : 60);
		sb_addf(w,
			"%s\" while the reply to %s was incomplete (%u bytes "
			"of it written)",
			n < 60 ? "" : "...", verb, at);
	}
	note(c, "early talk", NULL, 0);
}

static void remember_reply(struct conn *c, const char *verb, size_t len)
{
	struct wire_outcome *o = c->out;

	/* Only while the stream is kept whole: families read it there. */
	if (c->index != 1 || o->nreplies == WIRE_MAX_REPLIES ||
	    o->stream.len != c->written ||
	    len > WIRE_MAX_STREAM - o->stream.len)
		return;
	struct wire_reply_at *r = &o->replies[o->nreplies++];
	snprintf(r->verb, sizeof r->verb, "%s", verb);
	r->at = c->written;
	r->len = (uint32_t)len;
}

/* The address in "MAIL FROM:<a>" or "RCPT TO:<a>", "" when none. */
static void address_of(const char *line, char *out, size_t size)
{
	const char *lt = strchr(line, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	out[0] = '\0';
	if (lt && gt && (size_t)(gt - lt - 1) < size)
		snprintf(out, size, "%.*s", (int)(gt - lt - 1), lt + 1);
}

static void remember_exchange(struct conn *c, const char *verb,
			      const char *line, const struct strbuf *r)
{
	struct wire_outcome *o = c->out;

	if (o->nexchanges == WIRE_MAX_EXCHANGES)
		return;
	struct wire_exchange *x = &o->exchanges[o->nexchanges++];
	x->connection = c->index;
	snprintf(x->verb, sizeof x->verb, "%s", verb);
	address_of(line, x->address, sizeof x->address);
	sb_add(&x->reply, sb_str(r), r->len);
}

/* Merge a reply's scripted cuts (offsets within it) into the run's
 * schedule, placed where the reply starts. */
static void add_scripted(struct conn *c, const struct sched *cuts, size_t len)
{
	if (!cuts || !cuts->ncuts)
		return;
	if (c->sc != &c->own) {
		sched_copy(&c->own, c->sc);
		c->sc = &c->own;
	}
	for (size_t k = 0; k < cuts->ncuts; k++)
		if (cuts->cuts[k].at < len)
			sched_add(&c->own, c->written + cuts->cuts[k].at,
				  cuts->cuts[k].delay_ms, false);
	sched_normalize(&c->own);
	c->next_cut = 0; /* the pieces loop skips the cuts passed */
}

/* Write one reply in the schedule's pieces; cuts: the scenario's own for
 * this reply, with o->scripted (else NULL). */
static bool send_reply(struct conn *c, const char *verb, const char *line,
		       const struct strbuf *r, const struct sched *cuts)
{
	const char *p = sb_str(r);
	size_t n = r->len;
	uint32_t first = c->written;

	add_scripted(c, cuts, n);
	remember_reply(c, verb, n);
	remember_exchange(c, verb, line, r);
	if (c->index == 1 && c->out->stream.len == c->written &&
	    n <= WIRE_MAX_STREAM - c->out->stream.len)
		sb_add(&c->out->stream, p, n);
	/* What arrived before this reply began is the client's right. */
	while (c->have < sizeof c->in && !c->closed) {
		struct pollfd q = {c->fd, POLLIN, 0};
		if (poll(&q, 1, 0) <= 0 || !take_input(c, 0))
			break;
	}
	while (n > 0) {
		size_t piece = n;
		const struct sched_cut *cut = NULL;
		while (c->next_cut < c->sc->ncuts &&
		       c->sc->cuts[c->next_cut].at < c->written)
			c->next_cut++;
		if (c->next_cut < c->sc->ncuts &&
		    c->sc->cuts[c->next_cut].at < c->written + n) {
			cut = &c->sc->cuts[c->next_cut];
			piece = cut->at - c->written;
		}
		if (piece && !send_all(c, p, piece))
			return false;
		note(c, "S>", p, piece);
		p += piece;
		n -= piece;
		c->written += (uint32_t)piece;
		if (!cut)
			break;
		c->next_cut++;
		if (c->written > first) /* inside the reply: watch */
			pause_inside(c, cut->delay_ms, verb,
				     c->written - first);
		else if (cut->delay_ms) {
			char what[48];
			snprintf(what, sizeof what,
				 "pause %u ms before the reply",
				 (unsigned)cut->delay_ms);
			note(c, what, NULL, 0);
			struct timespec ts = {cut->delay_ms / 1000,
					      (long)(cut->delay_ms % 1000) *
						      1000000L};
			nanosleep(&ts, NULL);
		}
		if (c->timed_out)
			return false;
	}
	c->last_activity = now_ms();
	return true;
}

/* The scripted cuts of verb v's first reply on this connection, once. */
static const struct sched *cuts_of(struct conn *c, const struct scn_verb *v)
{
	const struct scn *s = c->o->scn;
	size_t i = v ? (size_t)(v - s->verbs) : SCN_MAX_VERBS;

	if (!c->o->scripted || i >= 32 || (c->cut_verbs >> i & 1))
		return NULL;
	c->cut_verbs |= 1u << i;
	return &v->cuts;
}

unsigned wire_final_code(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	size_t start = n;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	if (n - start < 3)
		return 0;
	unsigned code = 0;
	for (size_t i = start; i < start + 3; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		code = code * 10 + (unsigned)(s[i] - '0');
	}
	return code;
}

/* The next line from the client (without its end), or false when the
 * connection ends first. A line over the bound is cut there. */
static bool next_line(struct conn *c, char *line, size_t *len)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->have);
		size_t take = nl ? (size_t)(nl - c->in) + 1 : 0;
		if (!nl && c->have >= WIRE_MAX_LINE) {
			/* Too long: keep its start, drop the rest up to its
			 * end, however the bytes were segmented. */
			memcpy(line, c->in, WIRE_MAX_LINE - 1);
			line[WIRE_MAX_LINE - 1] = '\0';
			*len = WIRE_MAX_LINE - 1;
			note(c, "a client line over the bound: cut", NULL, 0);
			for (;;) {
				nl = memchr(c->in, '\n', c->have);
				if (nl)
					break;
				c->have = 0;
				if (idle_over(c) ||
				    (!take_input(c, 200) &&
				     (c->closed || c->timed_out)))
					return true;
			}
			take = (size_t)(nl - c->in) + 1;
			memmove(c->in, c->in + take, c->have - take);
			c->have -= take;
			return true;
		}
		if (take) {
			size_t n = take;
			while (n > 0 &&
			       (c->in[n - 1] == '\n' || c->in[n - 1] == '\r'))
				n--;
			if (n > WIRE_MAX_LINE - 1)
				n = WIRE_MAX_LINE - 1;
			memcpy(line, c->in, n);
			line[n] = '\0';
			*len = n;
			memmove(c->in, c->in + take, c->have - take);
			c->have -= take;
			return true;
		}
		if (idle_over(c))
			return false;
		if (!take_input(c, 200) && (c->closed || c->timed_out))
			return false;
	}
}

static void add_command(struct conn *c, const char *line, size_t n)
{
	struct strbuf *cmds = &c->out->commands;

	if (cmds->len >= WIRE_MAX_TRANSCRIPT)
		return;
	sb_addf(cmds, "%u ", c->index);
	/* The value of SIZE= follows the Date: and Message-ID: headers a
	 * client makes anew each run: compared as SIZE=N. */
	for (size_t i = 0; i < n; i++) {
		if (i + 5 < n && strncasecmp(line + i, "SIZE=", 5) == 0 &&
		    isdigit((unsigned char)line[i + 5])) {
			sb_adds(cmds, "SIZE=N");
			i += 5;
			while (i + 1 < n && isdigit((unsigned char)line[i + 1]))
				i++;
			continue;
		}
		sb_add(cmds, line + i, 1);
	}
	sb_adds(cmds, "\n");
}

/* The message after DATA, up to its "." line; then the "." reply. */
static bool take_message(struct conn *c)
{
	struct strbuf body = {0};
	char line[WIRE_MAX_LINE];
	size_t n;
	bool ok = false;

	bool headers = true;

	c->in_data = true;
	while (next_line(c, line, &n)) {
		if (n == 1 && line[0] == '.') {
			ok = true;
			break;
		}
		headers &= n > 0;
		/* A Date: or Message-ID: the client makes differs from
		 * run to run. */
		if (headers && (strncasecmp(line, "Date:", 5) == 0 ||
				strncasecmp(line, "Message-ID:", 11) == 0))
			continue;
		if (body.len < WIRE_MAX_BODY) {
			const char *p = line[0] == '.' ? line + 1 : line;
			sb_add(&body, p, n - (size_t)(p - line));
			sb_adds(&body, "\r\n");
		}
	}
	c->in_data = !ok;
	if (ok) {
		const struct scn_verb *v = scn_find(c->o->scn, ".", 1);
		struct strbuf fallback = {0};
		const struct strbuf *r = v ? &v->reply[0] : &fallback;
		if (!v)
			sb_adds(&fallback, "250 2.0.0 queued\r\n");
		unsigned code = wire_final_code(sb_str(r), r->len);
		/* Taken only by a 2xx the client can see whole: one cut short
		 * by a hang-up leaves the client rightly unsure (RFC 5321
		 * 3.8), so its failure is no false one. */
		bool whole = r->len && sb_str(r)[r->len - 1] == '\n';
		/* A 354 after every recipient was refused (RFC 5321 3.3
		 * allows it; RFC 2920 has the client send "." alone) takes
		 * a message to nobody: none to count. */
		if (!c->rcpt_taken)
			code = 0;
		c->rcpt_taken = 0;
		if (code >= 200 && code < 300 && !whole)
			c->out->unsure++;
		if (code >= 200 && code < 300 && whole) {
			c->out->accepted++;
			/* Bounded: copies past the bound are counted only. */
			if (c->out->bodies.len < WIRE_MAX_BODY) {
				sb_add(&c->out->bodies, sb_str(&body),
				       body.len);
				sb_add(&c->out->bodies, "", 1);
			}
			note(c, "message accepted", NULL, 0);
		}
		ok = send_reply(c, ".", ".", r, cuts_of(c, v));
		if (ok && v && v->close_after == 1) {
			note(c, "the server hangs up", NULL, 0);
			ok = false;
		}
		sb_free(&fallback);
	}
	sb_free(&body);
	return ok;
}

static void serve(struct conn *c)
{
	const struct scn *s = c->o->scn;
	char line[WIRE_MAX_LINE];
	size_t n;
	const struct scn_verb *chain = NULL; /* replies still to give */
	size_t chain_at = 0;

	if (!send_reply(c, "greeting", "", &s->greeting,
			c->o->scripted ? &s->greeting_cuts : NULL) ||
	    s->greeting_close)
		return;
	while (next_line(c, line, &n)) {
		add_command(c, line, n);
		const struct strbuf *r;
		const struct scn_verb *v = NULL;
		char verb[SCN_MAX_VERB_LEN + 1] = "";
		bool close_now = false;
		const struct sched *cuts = NULL;
		size_t w = strcspn(line, " \t");
		const struct scn_verb *named = scn_find(s, line, w);
		if (chain && named && named != chain)
			chain = NULL; /* another command: the chain is over */
		if (chain) {
			r = &chain->reply[chain_at];
			snprintf(verb, sizeof verb, "%s", chain->verb);
			close_now = chain->close_after == chain_at + 1;
			if (++chain_at == chain->nreplies)
				chain = NULL;
		} else {
			v = named;
			if (v) {
				snprintf(verb, sizeof verb, "%s", v->verb);
				r = &v->reply[0];
				cuts = cuts_of(c, v);
				close_now = v->close_after == 1;
				if (v->nreplies > 1) {
					chain = v;
					chain_at = 1;
				}
			} else {
				r = &s->unknown;
				snprintf(verb, sizeof verb, "%.*s",
					 (int)(w < SCN_MAX_VERB_LEN
						       ? w
						       : SCN_MAX_VERB_LEN),
					 line);
			}
		}
		if (!send_reply(c, verb, line, r, cuts))
			return;
		if (close_now) {
			note(c, "the server hangs up", NULL, 0);
			return;
		}
		if (strcmp(verb, "EHLO") == 0)
			c->pipelining = strstr(sb_str(r), "PIPELINING") != NULL;
		unsigned code = wire_final_code(sb_str(r), r->len);
		if (strcmp(verb, "MAIL") == 0 || strcmp(verb, "RSET") == 0 ||
		    strcmp(verb, "EHLO") == 0 || strcmp(verb, "HELO") == 0)
			c->rcpt_taken = 0;
		/* An empty reply went out early, with the one before it. */
		if (strcmp(verb, "RCPT") == 0 &&
		    (!r->len || (code >= 200 && code < 300)))
			c->rcpt_taken++;
		if (strcmp(verb, "DATA") == 0 &&
		    wire_final_code(sb_str(r), r->len) == 354 &&
		    !take_message(c))
			return;
		if (strcmp(verb, "QUIT") == 0)
			return;
	}
}

/* When the client went away in the middle (closing, say, as a reply was
 * still being written), the commands it had sent still count. */
static void record_rest(struct conn *c)
{
	char line[WIRE_MAX_LINE];
	size_t n;

	if (!c->closed || c->in_data)
		return;
	while (c->have < sizeof c->in) {
		ssize_t r = recv(c->fd, c->in + c->have, sizeof c->in - c->have,
				 MSG_DONTWAIT);
		if (r <= 0)
			break;
		note(c, "C>", c->in + c->have, (size_t)r);
		c->have += (size_t)r;
	}
	while (memchr(c->in, '\n', c->have) && next_line(c, line, &n))
		add_command(c, line, n);
}

/* ---- the client process ---------------------------------------------------
 */

static pid_t start_client(const struct wire_opts *o, unsigned port, int out_fd,
			  struct strbuf *err)
{
	char port_text[16];
	size_t argc = 0;

	snprintf(port_text, sizeof port_text, "%u", port);
	while (o->argv[argc])
		argc++;
	/* Arguments with {port} replaced, built before fork. */
	char **argv = srh_zalloc(argc + 1, sizeof *argv);
	struct strbuf *args = srh_zalloc(argc + 1, sizeof *args);
	for (size_t i = 0; i < argc; i++) {
		const char *a = o->argv[i], *hit;
		while ((hit = strstr(a, "{port}"))) {
			sb_add(&args[i], a, (size_t)(hit - a));
			sb_adds(&args[i], port_text);
			a = hit + 6;
		}
		sb_adds(&args[i], a);
		argv[i] = args[i].s;
	}
	/* The environment too, so that the child only calls exec (the
	 * parent may be one thread of several). */
	struct strbuf vars[2] = {{0}, {0}};
	extern char **environ;
	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **envp = srh_zalloc(nenv + 3, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], "SRH_TORTURE_PORT=", 17) != 0 &&
		    strncmp(environ[i], "SRH_TORTURE_RECIPIENTS=", 23) != 0)
			envp[k++] = environ[i];
	sb_addf(&vars[0], "SRH_TORTURE_PORT=%s", port_text);
	sb_adds(&vars[1], "SRH_TORTURE_RECIPIENTS=");
	scn_recipients(o->scn, &vars[1]);
	envp[k++] = vars[0].s;
	envp[k++] = vars[1].s;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		/* Ends with us, and cannot fill the disk with its output
		 * (writes past the bound fail instead). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct rlimit fsize = {WIRE_MAX_CLIENT_FILE,
				       WIRE_MAX_CLIENT_FILE};
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &fsize);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		/* This process stays as a subreaper between us and the
		 * client: what the client leaves running (setsid or not) is
		 * reparented here and ended when the client ends. It outlives
		 * the SIGTERM of the deadline to do that. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		signal(SIGTERM, SIG_IGN);
		pid_t self = getpid(), client = fork();
		if (client > 0) {
			int st = 0;
			while (waitpid(client, &st, 0) < 0 && errno == EINTR)
				;
			sbx_end_descendants();
			sbx_exit_as(st);
		}
		if (client < 0)
			_exit(127);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(127);
		signal(SIGTERM, SIG_DFL);
		execvpe(argv[0], argv, envp);
		static const char msg[] = "smtp-torture: cannot run the "
					  "client: no such program\n";
		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(127);
		_exit(127);
	}
	if (pid < 0)
		sb_addf(err, "fork: %s", strerror(errno));
	else
		setpgid(pid, pid); /* whichever runs first */
	sb_free(&vars[0]);
	sb_free(&vars[1]);
	free(envp);
	for (size_t i = 0; i < argc; i++)
		sb_free(&args[i]);
	free(args);
	free(argv);
	return pid;
}

int wire_listen(const struct wire_opts *o, unsigned *port, struct strbuf *err)
{
	int fd = socket(o->ipv6 ? AF_INET6 : AF_INET,
			SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_storage ss = {0};
	socklen_t len;

	if (fd < 0) {
		sb_addf(err, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (o->ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((uint16_t)o->port);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons((uint16_t)o->port);
		len = sizeof *a;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		sb_addf(err, "listen on %s port %u: %s",
			o->ipv6 ? "::1" : "127.0.0.1", o->port,
			strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(o->ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void read_tail(int fd, struct strbuf *out)
{
	char buf[WIRE_MAX_CLIENT_OUT];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof buf ? size - (off_t)sizeof buf : 0;
	ssize_t n = pread(fd, buf, sizeof buf, from);

	if (from > 0)
		sb_adds(out, "...\n");
	if (n > 0)
		sb_add(out, buf, (size_t)n);
}

/* The client's lines that start WIRE_OUTCOME_PREFIX, read from the start
 * of its output file. */
static void read_outcome_lines(int fd, struct wire_outcome *out)
{
	FILE *f = fdopen(dup(fd), "r");
	struct strbuf line = {0};
	const size_t plen = strlen(WIRE_OUTCOME_PREFIX);
	int ch;

	if (!f)
		return;
	rewind(f);
	do {
		ch = getc(f);
		if (ch != EOF && ch != '\n') {
			if (line.len <= WIRE_MAX_OUTCOME + plen) {
				char b = (char)ch;
				sb_add(&line, &b, 1);
			}
			continue;
		}
		if (line.len >= plen &&
		    memcmp(sb_str(&line), WIRE_OUTCOME_PREFIX, plen) == 0 &&
		    out->outcome_lines++ == 0) {
			size_t n = line.len - plen;
			sb_add(&out->outcome_line, line.s + plen,
			       n < WIRE_MAX_OUTCOME ? n : WIRE_MAX_OUTCOME);
		}
		sb_clear(&line);
	} while (ch != EOF);
	sb_free(&line);
	fclose(f);
}

bool wire_run(const struct wire_opts *o, const struct sched *sc,
	      struct wire_outcome *out, struct strbuf *err)
{
	unsigned port;
	uint64_t start = now_ms(), until = start + o->deadline_ms;
	pid_t pid = -1;
	int status = 0, out_fd = -1;
	bool exited = false;

	memset(out, 0, sizeof *out);
	out->status = -1;
	int lfd = wire_listen(o, &port, err);
	if (lfd < 0)
		return false;
	out->port = port;
	if (o->argv) {
		char path[] = "/tmp/smtp-torture-out-XXXXXX";
		out_fd = mkstemp(path);
		if (out_fd < 0) {
			sb_addf(err, "mkstemp: %s", strerror(errno));
			close(lfd);
			return false;
		}
		unlink(path);
		pid = start_client(o, port, out_fd, err);
		if (pid < 0) {
			close(out_fd);
			close(lfd);
			return false;
		}
	}
	for (;;) {
		if (pid > 0 && !exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		uint64_t now = now_ms();
		if (now >= until) {
			out->hung = !exited;
			break;
		}
		struct pollfd p = {lfd, POLLIN, 0};
		int left = (int)(until - now);
		if (poll(&p, 1, exited ? 0 : left < 20 ? left : 20) <= 0) {
			if (exited)
				break;
			continue;
		}
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (out->connections == WIRE_MAX_CONNECTIONS) {
			close(fd); /* bounded: a client retrying forever */
			continue;
		}
		struct conn c = {.o = o,
				 .sc = sc,
				 .out = out,
				 .fd = fd,
				 .index = ++out->connections,
				 .start = start,
				 .until = until,
				 .last_activity = now_ms()};
		char what[32];
		snprintf(what, sizeof what, "connection %u", c.index);
		note(&c, what, NULL, 0);
		serve(&c);
		sched_free(&c.own);
		record_rest(&c);
		note(&c, c.timed_out ? "deadline" : "close", NULL, 0);
		close(fd);
		if (c.timed_out) {
			out->hung = true;
			break;
		}
		if (!o->argv)
			break; /* a client started elsewhere: one connection */
	}
	if (pid > 0 && !exited) {
		/* SIGTERM first, so that its exit traps clean up. */
		kill(-pid, SIGTERM);
		for (int i = 0; i < 50 && !exited; i++) {
			struct timespec ts = {0, 10000000L};
			nanosleep(&ts, NULL);
			exited = waitpid(pid, &status, WNOHANG) == pid;
		}
		kill(-pid, SIGKILL);
		if (!exited)
			waitpid(pid, &status, 0);
		exited = false; /* its status is the deadline's doing */
		out->hung = true;
	} else if (pid > 0) {
		kill(-pid, SIGKILL); /* anything it left behind */
	}
	if (pid > 0 && exited)
		out->status = WIFEXITED(status)	    ? WEXITSTATUS(status)
			      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
						    : -1;
	if (out_fd >= 0) {
		read_tail(out_fd, &out->client_out);
		read_outcome_lines(out_fd, out);
		close(out_fd);
	}
	close(lfd);
	out->seconds = (double)(now_ms() - start) / 1000.0;
	return true;
}

void wire_scripted(const struct scn *s, const struct wire_outcome *baseline,
		   struct sched *out)
{
	sched_clear(out);
	for (size_t i = 0; i < baseline->nreplies; i++) {
		const struct wire_reply_at *r = &baseline->replies[i];
		const struct sched *cuts = NULL;
		bool first = true;
		for (size_t j = 0; j < i; j++)
			first &=
				strcmp(baseline->replies[j].verb, r->verb) != 0;
		if (!first)
			continue; /* a verb's cuts apply to its first reply */
		if (strcmp(r->verb, "greeting") == 0)
			cuts = &s->greeting_cuts;
		else {
			const struct scn_verb *v =
				scn_find(s, r->verb, strlen(r->verb));
			cuts = v ? &v->cuts : NULL;
		}
		for (size_t k = 0; cuts && k < cuts->ncuts; k++)
			if (cuts->cuts[k].at < r->len)
				sched_add(out, r->at + cuts->cuts[k].at,
					  cuts->cuts[k].delay_ms, false);
	}
	sched_normalize(out);
}

void wire_indent(struct strbuf *out, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		sb_adds(out, "    ");
		sb_add(out, p, n);
		sb_adds(out, "\n");
		p += n + (p[n] == '\n');
	}
}

void wire_summary(const struct wire_outcome *o, struct strbuf *out)
{
	sb_addf(out, "%u message(s) accepted", o->accepted);
	if (o->unsure)
		sb_addf(out,
			" (and %u whose 2xx was cut short: taken or not, "
			"no client can tell)",
			o->unsure);
	sb_addf(out, " over %u connection(s); client ", o->connections);
	if (o->hung && o->status < 0 && !o->connections)
		sb_adds(out, "never connected before the deadline");
	else if (o->hung)
		sb_adds(out, "killed at the deadline");
	else if (o->status < 0)
		sb_adds(out, "exit status unknown");
	else
		sb_addf(out, "exit status %d", o->status);
	sb_addf(out, "; %.2f s", o->seconds);
}
