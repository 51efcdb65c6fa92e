/*
 * adapter.c - a parser in another process as an fd subject: the stream is
 * relayed, piece by piece, to an adapter (harness/adapters/README.md)
 * listening on the Unix socket $SRH_ADAPTER_SOCKET, and the transcript it
 * writes back is reported as this subject's.
 *
 * Each piece is passed on only once the adapter has read the one before,
 * so the adapter's parser sees the schedule's cuts, not merged pieces.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "defaults.h"
#include "strbuf.h"
#include "subject.h"
#include "subjects.h"

/* Bounds on what an adapter may write back. */
#define ADAPTER_MAX_TRANSCRIPT (64u << 20)
/* How long a piece may wait for the adapter to read the one before. */
#define ADAPTER_DRAIN_WAIT_MS SRH_DRAIN_WAIT_MS
/* How long the adapter may take to start and answer a first stream. */
#define ADAPTER_START_WAIT_MS 10000

/* This subject stands for the parser in the adapter's process. When that
 * process goes away or breaks the protocol, the run ends the way a
 * crashing parser's would: the reason in the child's log, a non-zero exit
 * status, reported as the subject's crash with the log. It is subject
 * code, run only in a sandboxed child; smtp-split's own errors are
 * returned (srh_adapter_start(): the adapter does not start or answer). */
static void give_up(const char *what, const char *why)
{
	fprintf(stderr, "smtp-split: adapter: %s%s%s\n", what, why ? ": " : "",
		why ? why : "");
	_exit(SRH_ADAPTER_BREACH);
}

/* The socket's address: "@name" is Linux's abstract namespace, which
 * leaves no file behind. */
static socklen_t address(const char *name, struct sockaddr_un *a)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (n >= sizeof a->sun_path)
		return 0;
	memcpy(a->sun_path, name, n);
	if (name[0] == '@')
		a->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (name[0] != '@'));
}

static int connect_adapter(void)
{
	const char *name = getenv("SRH_ADAPTER_SOCKET");
	struct sockaddr_un a;
	socklen_t len = name ? address(name, &a) : 0;

	if (!len)
		give_up("SRH_ADAPTER_SOCKET is not set (use --subject "
			"'adapter:COMMAND')",
			NULL);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, len) != 0)
		give_up("cannot connect (has the adapter exited?)",
			strerror(errno));
	return fd;
}

/* "NAME=N" or "NAME=none" (the parser has no such limit: SIZE_MAX) at p:
 * the name into word, the value, the bytes it took. */
static bool limit_pair(const char *p, char word[32], size_t *val, int *used)
{
	unsigned long long v;
	const char *eq = strchr(p, '=');

	*used = 0;
	if (sscanf(p, "%31[a-z]=none%n", word, used) == 1 && *used > 0) {
		*val = SIZE_MAX;
		return true;
	}
	*used = 0;
	if (!eq || eq[1] < '0' || eq[1] > '9' ||
	    sscanf(p, "%31[a-z]=%llu%n", word, &v, used) != 2 || v == 0 ||
	    v > SIZE_MAX)
		return false;
	*val = (size_t)v;
	return true;
}

/* One "declare WHAT VALUE" line of the adapter's first answer into d;
 * false with why. */
static bool declare(const char *line, struct srh_subject *d, struct strbuf *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} lenient[] = {
		{"bare-lf", SRH_LENIENT_BARE_LF},
		{"long-lines", SRH_LENIENT_LONG_LINES},
		{"code-mismatch", SRH_LENIENT_CODE_MISMATCH},
		{"8bit", SRH_LENIENT_8BIT},
		{"control", SRH_LENIENT_CONTROL},
		{"bare-cr", SRH_LENIENT_BARE_CR},
	};
	static const struct {
		const char *name;
		size_t off;
	} limit[] = {
		{"line", offsetof(struct srh_limits, line_octets)},
		{"lines", offsetof(struct srh_limits, reply_lines)},
		{"reply", offsetof(struct srh_limits, reply_octets)},
		{"heap", offsetof(struct srh_limits, heap_octets)},
	};
	const size_t nlenient = sizeof lenient / sizeof lenient[0];
	const size_t nlimit = sizeof limit / sizeof limit[0];
	char word[32];
	const char *p;

	if (strncmp(line, "declare lenient ", 16) == 0) {
		for (p = line + 16; *p;) {
			size_t n = strcspn(p, ","), i = 0;
			while (i < nlenient &&
			       !(strlen(lenient[i].name) == n &&
				 strncmp(p, lenient[i].name, n) == 0))
				i++;
			if (i == nlenient) {
				sb_addf(err, "unknown leniency '%.*s'", (int)n,
					p);
				return false;
			}
			d->leniency |= lenient[i].bit;
			p += n + (p[n] == ',');
		}
		return true;
	}
	if (strncmp(line, "declare limits ", 15) == 0) {
		for (p = line + 15; *p;) {
			int used;
			size_t val;
			if (!limit_pair(p, word, &val, &used)) {
				sb_addf(err,
					"not NAME=NUMBER or NAME=none: '%s'",
					p);
				return false;
			}
			size_t i = 0;
			while (i < nlimit && strcmp(word, limit[i].name) != 0)
				i++;
			if (i == nlimit) {
				sb_addf(err, "unknown limit '%s'", word);
				return false;
			}
			memcpy((char *)&d->limits + limit[i].off, &val,
			       sizeof val);
			p += used;
			p += strspn(p, " ");
		}
		return true;
	}
	if (strcmp(line, "declare errors kind") == 0)
		return true;
	if (strcmp(line, "declare errors offsets") == 0) {
		d->reports |= SRH_REPORTS_OFFSETS;
		return true;
	}
	if (strcmp(line, "declare errors none") == 0) {
		d->reports |= SRH_REPORTS_NO_ERROR_KIND;
		return true;
	}
	sb_addf(err, "unknown declaration");
	return false;
}

/* An empty stream must come back "end": the adapter runs and speaks the
 * protocol, or the session stops before blaming the parser for it. */
static bool probe(const char *name, const char *command,
		  struct srh_subject *decl, struct strbuf *err)
{
	struct sockaddr_un a;
	socklen_t len = address(name, &a);
	char buf[4096];
	size_t have = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, len) != 0 ||
	    shutdown(fd, SHUT_WR) != 0) {
		sb_addf(err, "adapter \"%s\": cannot connect: %s", command,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, ADAPTER_START_WAIT_MS) <= 0)
			break;
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[have] = '\0';
	/* Its declarations first, one a line, then the empty transcript. */
	char *line = buf;
	for (char *nl;
	     strncmp(line, "declare ", 8) == 0 && (nl = strchr(line, '\n'));
	     line = nl + 1) {
		*nl = '\0';
		struct strbuf why = {0};
		bool ok = declare(line, decl, &why);
		if (!ok)
			sb_addf(err,
				"adapter \"%s\" declares \"%s\": %s (see "
				"harness/adapters/README.md)",
				command, line, sb_str(&why));
		sb_free(&why);
		if (!ok)
			return false;
	}
	if (strcmp(line, "end\n") == 0)
		return true;
	sb_addf(err,
		"adapter \"%s\" answered an empty stream with \"%s\", not "
		"\"end\" (did it start? see harness/adapters/README.md)",
		command, buf);
	return false;
}

bool srh_adapter_start(const char *command, int *adapter_pid,
		       struct srh_subject *decl, struct strbuf *err)
{
	char name[64];
	struct sockaddr_un a;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(name, sizeof name, "@smtp-split-adapter-%d-%ld", (int)getpid(),
		 (long)ts.tv_nsec);
	socklen_t len = address(name, &a);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, len) != 0 ||
	    listen(lfd, 64) != 0) {
		sb_addf(err, "adapter socket: %s", strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return false;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		/* Ends with us, however we end: nothing else would stop its
		 * accept loop. A group of its own, for srh_adapter_stop. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* Its stdout is not ours to write on: reports go there. */
		if (dup2(lfd, 3) < 0 || dup2(2, 1) < 0)
			_exit(127);
		/* exec: the shell must not stay between us and it, or the
		 * death signal would stop the shell only. */
		struct strbuf line = {0};
		sb_addf(&line, "exec %s", command);
		execl("/bin/sh", "sh", "-c", line.s, (char *)NULL);
		_exit(127);
	}
	close(lfd); /* connecting fails, not hangs, once it has exited */
	if (pid < 0) {
		sb_addf(err, "fork: %s", strerror(errno));
		return false;
	}
	*adapter_pid = pid;
	setenv("SRH_ADAPTER_SOCKET", name, 1);
	*decl = srh_adapter_subject;
	return probe(name, command, decl, err);
}

void srh_adapter_stop(int pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int ms = 0; ms < 1000; ms++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			kill(-pid, SIGKILL); /* what it started, if any */
			return;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

bool srh_adapter_gone(int *pid, struct strbuf *why)
{
	int st;

	if (*pid <= 0 || waitpid(*pid, &st, WNOHANG) != *pid)
		return false;
	kill(-*pid, SIGKILL); /* what it started, if any */
	*pid = 0;
	if (WIFSIGNALED(st))
		sb_addf(why, "the adapter was killed by signal %d (%s)",
			WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		sb_addf(why, "the adapter exited with status %d",
			WEXITSTATUS(st));
	return true;
}

/* Wait until the adapter has read all we sent, or has answered. */
static void wait_read(int conn)
{
	for (int waited = 0; waited < ADAPTER_DRAIN_WAIT_MS * 10; waited++) {
		int queued = 0;
		if (ioctl(conn, SIOCOUTQ, &queued) != 0 || queued == 0)
			return;
		struct pollfd p = {conn, POLLIN, 0};
		if (poll(&p, 1, 0) > 0)
			return; /* it stopped early and is answering */
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
}

/* What the adapter writes back, read whenever it is there: an adapter
 * that answers before it has read everything must not block our send. */
static void take_back(int conn, struct strbuf *back, bool *back_open)
{
	char buf[65536];
	ssize_t n = read(conn, buf, sizeof buf);

	if (n > 0 && back->len < ADAPTER_MAX_TRANSCRIPT)
		sb_add(back, buf, (size_t)n);
	else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		*back_open = false;
}

static void send_all(int conn, const char *p, size_t n, struct strbuf *back,
		     bool *back_open)
{
	while (n > 0) {
		struct pollfd q = {conn, POLLOUT | (*back_open ? POLLIN : 0),
				   0};
		if (poll(&q, 1, -1) < 0 && errno != EINTR)
			give_up("poll", strerror(errno));
		if (q.revents & POLLIN)
			take_back(conn, back, back_open);
		if (!(q.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		ssize_t w = send(conn, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return; /* the adapter stopped reading: its transcript
				   says why */
		p += w;
		n -= (size_t)w;
	}
}

/* ---- the transcript's text form back into events --------------------- */

static bool parse_kind(const char *s, enum srh_error_kind *k)
{
	static const char *const names[] = {"syntax", "limit", "truncated"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strncmp(s, names[i], strlen(names[i])) == 0 &&
		    (s[strlen(names[i])] == ' ' || !s[strlen(names[i])])) {
			*k = (enum srh_error_kind)i;
			return true;
		}
	return false;
}

static void report(char *text, struct srh_recorder *rec)
{
	struct strbuf line = {0};
	unsigned code = 0;
	char esc[16] = "";
	bool in_reply = false, ended = false;
	unsigned lineno = 0;

	char *p = text;
	while (*p && !ended) {
		char *nl = strchr(p, '\n');
		if (!nl)
			give_up("transcript: its last line has no end", p);
		*nl = '\0';
		lineno++;
		if (strncmp(p, "  \"", 3) == 0 && in_reply) {
			size_t n = strlen(p), bad;
			if (n < 4 || p[n - 1] != '"')
				give_up("transcript: a line text is not quoted",
					p);
			p[n - 1] = '\0';
			sb_clear(&line);
			if (!sb_unescape(&line, p + 3, &bad))
				give_up("transcript: bad escape", p);
			srh_line(rec, sb_str(&line), line.len);
			p = nl + 1;
			continue;
		}
		if (in_reply)
			srh_reply(rec, code, esc[0] ? esc : NULL);
		in_reply = false;
		if (strncmp(p, "reply ", 6) == 0) {
			/* Exactly: reply DDD esc=X, X "-" or a short code. */
			const char *d = p + 6, *e = p + 10;
			size_t elen = strlen(p) > 14 ? strlen(e + 4) : 0;
			if (!isdigit((unsigned char)d[0]) ||
			    !isdigit((unsigned char)d[1]) ||
			    !isdigit((unsigned char)d[2]) || d[3] != ' ' ||
			    strncmp(e, "esc=", 4) != 0 || elen == 0 ||
			    elen >= sizeof esc || strchr(e + 4, ' '))
				give_up("transcript: not \"reply DDD esc=X\"",
					p);
			code = (unsigned)((d[0] - '0') * 100 +
					  (d[1] - '0') * 10 + (d[2] - '0'));
			memcpy(esc, e + 4, elen + 1);
			if (strcmp(esc, "-") == 0)
				esc[0] = '\0';
			in_reply = true;
		} else if (strncmp(p, "error ", 6) == 0) {
			enum srh_error_kind k;
			const char *at = strstr(p, " @");
			unsigned long long off = SRH_OFFSET_UNKNOWN;
			if (!parse_kind(p + 6, &k))
				give_up("transcript: unknown error kind", p);
			if (at && at[2] != '?')
				off = strtoull(at + 2, NULL, 10);
			srh_error(rec, k, off, "reported by the adapter");
			ended = true;
		} else if (strcmp(p, "end") == 0) {
			srh_end(rec);
			ended = true;
		} else if (strncmp(p, "declare ", 8) == 0 && !ended) {
			/* read at the start (srh_adapter_start); an adapter
			 * may repeat them for any empty stream */
		} else {
			give_up("transcript: not an event", p);
		}
		p = nl + 1;
	}
	if (in_reply)
		srh_reply(rec, code, esc[0] ? esc : NULL);
	if (!ended)
		give_up("transcript: no \"end\" or \"error\" at its end", NULL);
	if (*p)
		give_up("transcript: more after its last event", p);
	sb_free(&line);
}

static void adapter_read_fd(int fd, struct srh_recorder *rec)
{
	int conn = connect_adapter();
	struct strbuf back = {0};
	char buf[65536];
	bool in_open = true, back_open = true;

	while (in_open || back_open) {
		struct pollfd p[2] = {{in_open ? fd : -1, POLLIN, 0},
				      {back_open ? conn : -1, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			give_up("poll", strerror(errno));
		}
		if (p[0].revents) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n > 0) {
				send_all(conn, buf, (size_t)n, &back,
					 &back_open);
				wait_read(conn);
			} else if (n == 0 || errno != EINTR) {
				in_open = false;
				shutdown(conn, SHUT_WR);
			}
		}
		if (back_open && p[1].revents)
			take_back(conn, &back, &back_open);
	}
	close(conn);
	report(back.s ? back.s : (char[]){""}, rec);
	sb_free(&back);
}

const struct srh_subject srh_adapter_subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "adapter",
	.description = "a parser in another language, through "
		       "--subject 'adapter:COMMAND'",
	.read_fd = adapter_read_fd,
};

bool srh_is_adapter(const struct srh_subject *s)
{
	return s && s->read_fd == adapter_read_fd;
}
