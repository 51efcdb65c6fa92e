// Command textproto is the adapter for Go's net/textproto
// (*Reader).ReadResponse, the reader behind every reply net/smtp reads
// (smtp.Client calls it with the code it expects; here expectCode is 0, so
// the parser's own syntax rules are all that decide).
//
// Mapping, from what ReadResponse(0) returns:
//   - nil error: a reply. The message is the lines' texts joined by "\n";
//     no text can hold a "\n" (ReadLine ends a line there), so splitting
//     gives back one transcript line per line read. A continuation line
//     whose code differs, or that does not parse, comes whole, code and
//     all: that is what ReadResponse hands its caller.
//   - io.EOF (or io.ErrUnexpectedEOF): ReadResponse gives the same io.EOF
//     at a clean end and after some lines of a multiline reply (it drops
//     them). Whether it took any byte of the stream since the reply began
//     tells the two apart: none is end, some is truncated.
//   - textproto.ProtocolError ("short response", "invalid response
//     code"): syntax.
//   - *textproto.Error: ReadResponse's "unexpected code", which needs an
//     expectCode; with 0 it never comes, but it would be the whole reply
//     (code and message), so it is reported as one.
//   - any other error (a failed read): truncated, the stream did not end
//     cleanly. The harness never causes one.
//
// textproto has no line length limit, so limit never appears.
package main

import (
	"bufio"
	"errors"
	"io"
	"net/textproto"
	"strings"

	"srh/adapterlib"
)

func parse(s *adapterlib.Stream) adapterlib.Outcome {
	br := bufio.NewReader(s) // as textproto.NewConn does for net/smtp
	r := textproto.NewReader(br)
	for {
		start := s.Consumed(br)
		code, msg, err := r.ReadResponse(0)
		var perr textproto.ProtocolError
		var terr *textproto.Error
		switch {
		case err == nil:
			s.Reply(code, strings.Split(msg, "\n")...)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if s.Consumed(br) == start {
				return adapterlib.End
			}
			return adapterlib.Truncated
		case errors.As(err, &perr):
			return adapterlib.Syntax
		case errors.As(err, &terr):
			s.Reply(terr.Code, strings.Split(terr.Msg, "\n")...)
		default:
			return adapterlib.Truncated
		}
	}
}

// textproto's policy: ReadLine splits at LF and trims one CR before it;
// nothing checks the text or limits a line or a reply. A continuation line
// with another code is not the code-mismatch leniency (it becomes text).
func main() {
	adapterlib.Main(parse,
		"declare lenient bare-lf,long-lines,8bit,control,bare-cr",
		"declare limits line=none lines=none reply=none")
}
