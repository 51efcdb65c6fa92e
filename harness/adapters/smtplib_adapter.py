#!/usr/bin/python3
"""smtp-reply-harness adapter: the parser under test is smtplib.SMTP.getreply().

Protocol (see README.md here): fd 3 = listening AF_UNIX socket, one reply
stream per connection, transcript written back on it.  Without a listening
fd 3: one stream from stdin, transcript to stdout.

The mapping reports what smtplib gives its caller and nothing more; its
quirks (lenient int() codes, stripped text, a reply made of a partial last
line) are the findings, so they are deliberately not corrected here.
"""
import smtplib
import socket
import sys

# One table lookup per byte; built once because the process lives for
# thousands of streams.
_ESC = [chr(b) if 0x20 <= b < 0x7f else "\\x%02x" % b for b in range(256)]
_ESC[0x0d], _ESC[0x0a], _ESC[0x09] = "\\r", "\\n", "\\t"
_ESC[0x22], _ESC[0x5c] = '\\"', "\\\\"


def esc(text):
    return "".join(map(_ESC.__getitem__, text))


class _Stream:
    """Stands in for smtplib's self.file and self.sock.  readline() is the
    real buffered reader's (the one smtplib's own sock.makefile('rb') would
    give); counting the lines tells an EOF between replies from one inside a
    reply, which smtplib reports alike (SMTPServerDisconnected, the partial
    reply discarded).  close() is a no-op because smtplib closes its socket
    on EOF and on 'Line too long', and the connection must stay open for
    the transcript."""

    def __init__(self, raw):
        self.raw = raw
        self.lines = 0
        self.bytes = 0

    def readline(self, limit=-1):
        line = self.raw.readline(limit)
        if line:
            self.lines += 1
            self.bytes += len(line)
        return line

    def close(self):
        pass


# smtplib's policy, said (on fd 3) before the answer to an empty stream, as
# the first one is (README.md here), so that smtp-split's reference accepts what smtplib
# accepts by design: readline() splits at LF and int() reads the last
# line's code; nothing checks the text; a line may hold 8192 octets
# (readline(_MAXLINE + 1)); nothing counts a reply's lines or octets.
DECLARE = ("declare lenient bare-lf,long-lines,code-mismatch,8bit,control,bare-cr\n"
           "declare limits line=8192 lines=none reply=none\n")

# local_hostname given so that SMTP() does no getfqdn() DNS lookup; no host,
# so it does not connect.  One instance, re-armed per connection.
_SMTP = smtplib.SMTP(local_hostname="adapter")


def transcript(raw, declare=""):
    """Parse replies from the binary reader raw as they arrive; return
    (text, stopped_before_eof). An empty stream's answer starts with
    declare."""
    stream = _Stream(raw)
    _SMTP.sock = _SMTP.file = stream
    out = []
    while True:
        stream.lines = 0
        try:
            code, msg = _SMTP.getreply()
        except smtplib.SMTPServerDisconnected:
            # readline() gave b"" (or failed).  Before any line of a reply
            # that is a clean end; after some lines of a multiline reply
            # smtplib drops them and the caller only sees the disconnect.
            if stream.lines:
                out.append("error truncated @?\n")
            else:
                out.append((declare if not stream.bytes else "") + "end\n")
            return "".join(out), False
        except smtplib.SMTPResponseException:
            # The only one getreply raises itself: (500, "Line too long.")
            out.append("error limit @?\n")
            return "".join(out), True
        # -1 is smtplib's "can't read response code".  Other negative
        # values come from int() accepting e.g. b"-5 "; they cannot be
        # printed as 3 digits and no caller can treat them as a reply
        # class, so they are reported as the syntax error they are.
        if code < 0:
            out.append("error syntax @?\n")
            return "".join(out), True
        out.append("reply %03d esc=-\n" % code)
        # getreply joined its per-line texts with b"\n"; a text can never
        # contain b"\n" (readline ends at it, strip() removes it), so
        # splitting recovers the lines exactly.
        for line in msg.split(b"\n"):
            out.append('  "%s"\n' % esc(line))


def drain(conn):
    """After an error the harness may still be writing: read to EOF so its
    writes never fail and our close() never resets the connection (an
    AF_UNIX close with unread data makes the peer's read fail ECONNRESET)."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve(listener):
    while True:
        try:
            conn, _ = listener.accept()
        except (ConnectionAbortedError, InterruptedError):
            continue
        except OSError:
            return  # listener shut down or closed: the harness is done
        with conn:
            with conn.makefile("rb") as raw:
                text, early = transcript(raw, DECLARE)
            try:
                conn.sendall(text.encode("ascii"))
                if early:
                    conn.shutdown(socket.SHUT_WR)  # transcript complete now
                    drain(conn)
            except OSError:
                pass  # the harness gave up on this stream; next one


def listening_fd3():
    try:
        s = socket.socket(fileno=3)
    except OSError:
        return None  # not open, or not a socket
    try:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            return s
    except OSError:
        pass
    s.detach()  # not ours to close
    return None


def main():
    listener = listening_fd3()
    if listener is not None:
        serve(listener)
        return 0
    with open(0, "rb", closefd=False) as raw:
        sys.stdout.write(transcript(raw)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
