// Command netsmtp is the program behind the go-net-smtp driver
// (harness/wire/clients/README.md): one message through Go's net/smtp,
// step by step, as a Go program using it would (smtp.SendMail's steps,
// with Hello and per-recipient errors made visible).
//
// The outcome line, from what net/smtp hands its caller:
//   - accepted: whether Data()'s writer's Close() returned nil: that is
//     net/smtp's "sent". A failing Quit() afterwards does not change it.
//   - code, text: on failure, the Code and Msg of the *textproto.Error the
//     failing call returned (Msg: the reply's texts joined by "\n", a line
//     whose code differs from the first whole, code and all); when no
//     recipient was accepted, those of the last refusal, which is the reply
//     that ends the attempt. null when the failure is not a reply (lost
//     connection, timeout, protocol error). On success null too:
//     Close() reads the end-of-data reply with ReadResponse(250) and
//     returns only its error, so net/smtp never exposes that reply. (The
//     exchange could be redone through the exported c.Text, but then the
//     driver, not net/smtp, would be what reads it.)
//   - recipients: one per Rcpt() that returned nil (accepted, code and
//     text null: Rcpt returns nothing else) or a *textproto.Error
//     (refused, its Code and Msg). A Rcpt that failed otherwise, and any
//     not tried, are left out: net/smtp says nothing about them.
//   - error: the failing call's error text.
//
// Texts are Go strings, that is bytes; JSON needs UTF-8, so each run of
// invalid bytes becomes one U+FFFD (strings.ToValidUTF8).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The wait for the server: $SRH_CLIENT_TIMEOUT seconds (1 to 15), else 15.
var timeout = clientTimeout()

func clientTimeout() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("SRH_CLIENT_TIMEOUT")); err == nil && n >= 1 && n <= 15 {
		return time.Duration(n) * time.Second
	}
	return 15 * time.Second
}

type item struct {
	Address  string  `json:"address"`
	Accepted bool    `json:"accepted"`
	Code     *int    `json:"code"`
	Text     *string `json:"text"`
}

type outcome struct {
	Accepted   bool    `json:"accepted"`
	Code       *int    `json:"code"`
	Text       *string `json:"text"`
	Recipients []item  `json:"recipients"`
	Error      string  `json:"error,omitempty"`
}

// reply is the code and text of err when it is a server's reply.
func reply(err error) (*int, *string) {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return nil, nil
	}
	code, text := te.Code, strings.ToValidUTF8(te.Msg, "\uFFFD")
	return &code, &text
}

func recipients() []string {
	var rs []string
	for _, r := range strings.Split(os.Getenv("SRH_TORTURE_RECIPIENTS"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		rs = []string{"b@example.com"}
	}
	return rs
}

// send runs the session, filling o; the error is the one that failed it.
func send(port string, msg []byte, o *outcome) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), timeout)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, "127.0.0.1") // reads the greeting
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close() // after a failure, as smtp.SendMail: no QUIT
	if err := c.Hello("client.example"); err != nil {
		return err
	}
	if err := c.Mail("a@example.com"); err != nil {
		return err
	}
	var refused error
	accepted := 0
	for _, r := range recipients() {
		err := c.Rcpt(r)
		if err == nil {
			accepted++
			o.Recipients = append(o.Recipients, item{Address: r, Accepted: true})
			continue
		}
		code, text := reply(err)
		if code == nil {
			return err // not a refusal: the session is gone
		}
		refused = err
		o.Recipients = append(o.Recipients, item{Address: r, Code: code, Text: text})
	}
	if accepted == 0 {
		return refused
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	o.Accepted = true
	if err := c.Quit(); err != nil {
		fmt.Fprintln(os.Stderr, "go-net-smtp: after the message was sent: Quit:", err)
	}
	return nil
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("go-net-smtp " + runtime.Version())
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-net-smtp PORT MESSAGE-FILE | --version")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-net-smtp:", err)
		os.Exit(2)
	}
	o := outcome{Recipients: []item{}}
	if err := send(os.Args[1], msg, &o); err != nil {
		o.Code, o.Text = reply(err)
		o.Error = strings.ToValidUTF8(err.Error(), "\uFFFD")
		fmt.Fprintf(os.Stderr, "go-net-smtp: %T: %v\n", err, err)
	}
	// One line: Encode ends it with "\n" and escapes none inside. No
	// HTML escaping: "<" and ">" in replies stay readable.
	var line strings.Builder
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	enc.Encode(o) // cannot fail: plain fields, valid UTF-8
	fmt.Print("SRH-OUTCOME " + line.String())
	if !o.Accepted {
		os.Exit(1)
	}
}
