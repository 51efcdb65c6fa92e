// Command template is the Go adapter to copy for your own reply parser.
// It runs as it is, with a plain stand-in parser, so you can try it first:
//
//	printf '250-a\r\n250 b\r\n' | harness/adapters/go-adapter template
//
// To put your parser under the harness:
//
//	cp -r harness/adapters/go/template ~/myadapter && cd ~/myadapter
//	go mod init myadapter   # and require (or replace =>) your library
//	# replace readReply's body with the call of your parser, and adjust
//	# parse's error mapping to the errors your library returns
//	harness/adapters/go-adapter ~/myadapter </dev/null   # builds; prints "end"
//	build/dev/smtp-split --subject 'adapter:harness/adapters/go-adapter ~/myadapter' corpus/replies
//
// Your directory needs no require line for srh/adapterlib: go-adapter
// builds it in a workspace that also holds the harness's module. The
// protocol is harness/adapters/README.md; adapterlib does all of it.
package main

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"

	"srh/adapterlib"
)

var errSyntax = errors.New("bad reply line")

// readReply is THE PARSER CALL. Replace its body with one call of the
// parser under test, reading one reply from br. The stand-in below is a
// strict reader: three digits, then a space, a hyphen or nothing.
func readReply(br *bufio.Reader) (code int, lines []string, err error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return 0, nil, err // io.EOF, also after a partial line
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		c, err := strconv.ParseUint(line[:min(3, len(line))], 10, 16)
		if len(line) < 3 || err != nil || len(line) > 3 && line[3] != ' ' && line[3] != '-' {
			return 0, nil, errSyntax
		}
		lines = append(lines, line[min(4, len(line)):])
		if len(line) == 3 || line[3] == ' ' {
			return int(c), lines, nil
		}
	}
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// parse maps what readReply returns; report what the parser does, not
// what it should do.
func parse(s *adapterlib.Stream) adapterlib.Outcome {
	br := bufio.NewReader(s)
	for {
		start := s.Consumed(br)
		code, lines, err := readReply(br)
		switch {
		case err == nil:
			s.Reply(code, lines...)
		case err == io.EOF && s.Consumed(br) == start:
			return adapterlib.End // nothing of a next reply was read
		case err == io.EOF:
			return adapterlib.Truncated
		default:
			return adapterlib.Syntax
		}
	}
}

func main() { adapterlib.Main(parse) }
