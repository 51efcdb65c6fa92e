// Package adapterlib is the harness side of a Go adapter: the protocol of
// harness/adapters/README.md (the accept loop on fd 3, the stdin/stdout
// fallback, the transcript and its escaping), so that an adapter is only
// the call of the parser under test and the mapping of what it returned.
//
// An adapter is a main package that calls Main with one function. That
// function runs the parser over a Stream, calls Reply for each reply the
// parser returned, and returns how the run ended. ../template is the
// starting point; ../textproto is a real one.
//
// A panic in the parser is not recovered: the process dies with the stack
// on stderr and smtp-split stops naming the adapter. A crash is a finding,
// and a transcript could not say it.
package adapterlib

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Outcome is how a parser's run over one stream ended: the transcript's
// last line.
type Outcome int

const (
	End       Outcome = iota // "end": the stream ended between replies
	Syntax                   // "error syntax @?": bad reply syntax
	Limit                    // "error limit @?": a line too long or similar
	Truncated                // "error truncated @?": it ended inside a reply
)

// Parse runs the parser under test over s, calls s.Reply for each reply
// it returns, and stops at EOF or at the parser's first error.
type Parse func(s *Stream) Outcome

// Stream is one reply stream as it arrives, and its transcript. Hand it
// to the parser as its io.Reader (it does its own reads; never read it all
// first).
type Stream struct {
	r       io.Reader
	n       int64
	eof     bool
	out     []byte
	declare []string
}

// Read reads from the stream; the parser does its own reads through it.
func (s *Stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// Offset is how many bytes Read has returned so far.
func (s *Stream) Offset() int64 { return s.n }

// Consumed is how many bytes the parser has taken out of br, a buffered
// reader over s: what it has read, less what br still holds. Compare it
// before and after a failed read to tell an EOF between replies (nothing
// taken: End) from one inside a reply (Truncated), when the parser reports
// both alike.
func (s *Stream) Consumed(br *bufio.Reader) int64 {
	return s.n - int64(br.Buffered())
}

// Reply records one reply the parser returned: its code and the text of
// each line, without code, separator or line terminator. A code outside
// 0..999 cannot be written as 3 digits: the adapter must decide what such
// a return means (smtplib's adapter calls it Syntax), so it panics here.
func (s *Stream) Reply(code int, lines ...string) {
	if code < 0 || code > 999 {
		panic(fmt.Sprintf("adapterlib: reply code %d is not 3 digits; map it to an Outcome", code))
	}
	s.out = append(s.out, fmt.Sprintf("reply %03d esc=-\n", code)...)
	for _, l := range lines {
		s.out = append(s.out, `  "`...)
		s.out = appendEscaped(s.out, l)
		s.out = append(s.out, "\"\n"...)
	}
}

const hex = "0123456789abcdef"

// appendEscaped writes text byte by byte, as the README says: Go strings
// are bytes, so nothing is decoded.
func appendEscaped(b []byte, text string) []byte {
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

func (s *Stream) finish(o Outcome) {
	switch o {
	case End:
		// An empty stream's answer (the harness's first): the
		// declarations go before it.
		if s.n == 0 {
			for _, d := range s.declare {
				s.out = append(append(s.out, d...), '\n')
			}
		}
		s.out = append(s.out, "end\n"...)
	case Syntax:
		s.out = append(s.out, "error syntax @?\n"...)
	case Limit:
		s.out = append(s.out, "error limit @?\n"...)
	case Truncated:
		s.out = append(s.out, "error truncated @?\n"...)
	default:
		panic(fmt.Sprintf("adapterlib: unknown Outcome %d", o))
	}
}

// Main runs the adapter and does not return: on fd 3's listening socket
// when there is one, else for one stream from stdin to stdout. declare is
// the parser's policy, lines such as "declare lenient bare-lf", said on
// fd 3 before the answer to an empty stream, as the harness's first is
// (../../README.md).
func Main(parse Parse, declare ...string) {
	// A harness that gave up on a stream must not kill us: without this
	// Go dies of SIGPIPE on a closed stdout. SIGTERM keeps its default
	// (exit), which is how smtp-split stops us.
	signal.Ignore(syscall.SIGPIPE)
	// getsockopt first: fd 3 may be closed or something else, even the
	// runtime's own epoll descriptor.
	if v, err := syscall.GetsockoptInt(3, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err == nil && v != 0 {
		serve(parse, declare)
		os.Exit(0)
	}
	s := &Stream{r: os.Stdin}
	s.finish(parse(s))
	if _, err := os.Stdout.Write(s.out); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// serve accepts on fd 3 with a blocking accept(2), not net.FileListener:
// once the harness shuts the listener down, only a blocked accept learns
// it (EINVAL); a non-blocking one keeps failing EAGAIN, and Go's poller
// would wait for ever.
func serve(parse Parse, declare []string) {
	if err := syscall.SetNonblock(3, false); err != nil {
		fmt.Fprintln(os.Stderr, "adapterlib: fd 3:", err)
		os.Exit(2)
	}
	for {
		fd, _, err := syscall.Accept4(3, syscall.SOCK_CLOEXEC)
		switch err {
		case nil:
			handle(fd, parse, declare)
		case syscall.EINTR, syscall.ECONNABORTED:
		default:
			return // for good: EINVAL once the listener is shut down
		}
	}
}

func handle(fd int, parse Parse, declare []string) {
	// A blocking descriptor: os.File reads and writes it directly,
	// without the poller.
	c := os.NewFile(uintptr(fd), "stream")
	defer c.Close()
	s := &Stream{r: c, declare: declare}
	s.finish(parse(s))
	if _, err := c.Write(s.out); err != nil {
		return // the harness gave up on this stream
	}
	if !s.eof {
		// The parser stopped early. Say the transcript is complete, then
		// read to EOF: the harness's remaining writes must not fail, and
		// closing with unread data would reset its reads (AF_UNIX).
		syscall.Shutdown(fd, syscall.SHUT_WR)
		io.Copy(io.Discard, c)
	}
}
