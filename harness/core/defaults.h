/*
 * defaults.h - the constants that more than one part of the harness uses
 * (smtp-split, the fuzz targets, the adapters): one home each, so that a
 * change reaches every user.
 */
#ifndef SRH_DEFAULTS_H
#define SRH_DEFAULTS_H

/* The longest input file smtp-split reads, in bytes: /dev/zero or a
 * mistaken path must not read until memory runs out. */
#define SRH_INPUT_MAX (64u << 20)

/* A subject silent this long, in ms, hangs (smtp-split --deadline). */
#define SRH_DEADLINE_MS 2000

/* What a subject's child may hold resident, in bytes, beyond what it
 * inherits and the harness's own share in it (smtp-split --memory-limit),
 * and that share for a stream of n bytes: above what smtp-split needs
 * (its peak is about 19 bytes a stream byte, with the guard's pages). */
#define SRH_MEMORY_LIMIT_MIB 1024
#define SRH_HARNESS_SHARE(n) (((size_t)64 << 20) + 40 * (size_t)(n))

/* How long a piece may wait, in ms, for an fd subject or an adapter to read
 * the one before it. */
#define SRH_DRAIN_WAIT_MS 2000

/* Runs to shrink one failure (smtp-split --shrink-runs). */
#define SRH_SHRINK_RUNS 2000

/* smtp-split's schedules per stream: pairs of cuts for streams up to
 * SRH_PAIRS_MAX bytes, SRH_RANDOM random schedules; --quick, the budget
 * ctest and ./run give the whole corpus, takes the smaller pair. */
#define SRH_PAIRS_MAX	    160
#define SRH_RANDOM	    200
#define SRH_QUICK_PAIRS_MAX 64
#define SRH_QUICK_RANDOM    60
/* Streams longer than SRH_EVERY_MAX bytes: single, idle, uniform and
 * prefix at some SRH_SPREAD_OFFSETS offsets spread over the stream (each
 * around a line end) instead of every one, which would feed the stream
 * once an offset: hours for a megabyte. */
#define SRH_EVERY_MAX	   16384
#define SRH_SPREAD_OFFSETS 1024

/* The most work a stream may cost fed byte by byte, against `one` for it
 * in one piece: linear with room for constant costs per feed. */
#define SRH_WORK_BOUND(one) (4 * (one) + 64)

/* The memory family: a subject's peak live heap on a flood (an endless
 * line, reply, or run of replies) may be SRH_HEAP_LIMIT_KIB (smtp-split
 * --heap-limit); each flood is 4 times that, at least SRH_FLOOD_MIN
 * bytes, fed in reads of SRH_FLOOD_PIECE. */
#define SRH_HEAP_LIMIT_KIB 1024
#define SRH_FLOOD_MIN	   ((size_t)4 << 20)
#define SRH_FLOOD_PIECE	   4096u

/* The time family: the CPU time of a long input of SRH_TIME_BYTES against
 * a sixteenth of it, the least of SRH_TIME_REPEATS runs each, may grow
 * SRH_TIME_GROWTH times plus SRH_TIME_FLOOR_S seconds (linear: 16 times,
 * quadratic 256); a failure shrinks down to SRH_TIME_MIN_BYTES. */
#define SRH_TIME_BYTES	   65536u
#define SRH_TIME_MIN_BYTES 4096u
#define SRH_TIME_REPEATS   3
#define SRH_TIME_GROWTH	   32
#define SRH_TIME_FLOOR_S   0.02

/* The alloc family fails each of a run's first allocations, up to this
 * many; beyond, some spread over the rest. */
#define SRH_ALLOC_MAX 64

/* The stream the second instance reads in the reentrancy checks, and in a
 * reentrant fuzz input that has no second stream. */
#define SRH_PARTNER_STREAM                                                 \
	"220-partner.example ESMTP\r\n220 ready\r\n"                       \
	"250-partner.example\r\n250-PIPELINING\r\n250 2.0.0 SIZE 1000\r\n" \
	"354 go ahead\r\n"

/* Spell a number constant into a string (usage texts). */
#define SRH_STR_(x) #x
#define SRH_STR(x)  SRH_STR_(x)

#endif
