"""What the adapter tests share: the transcript lines an adapter writes,
an adapter started on a listening socket as smtp-split starts one (its
fd 3), one stream sent to it in two pieces, and a bounded wait."""

import os
import socket
import subprocess
import time


def rep(code, *lines):
    """A reply as the transcript writes it (esc=- : no escape byte)."""
    return "reply %s esc=-\n" % code + "".join('  "%s"\n' % t for t in lines)


END, SYNTAX = "end\n", "error syntax @?\n"
LIMIT, TRUNC = "error limit @?\n", "error truncated @?\n"


def listen(tmp, name):
    """A listening Unix socket in tmp; the socket and its path."""
    path = os.path.join(tmp, name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(16)
    return s, path


def start_on_fd3(cmd, listener):
    """cmd with listener as its fd 3, the way smtp-split's sh does it."""
    fd = listener.fileno()
    script = 'exec "$@"' if fd == 3 else 'exec 3<&%d %d<&-; exec "$@"' % (fd, fd)
    return subprocess.Popen(["sh", "-c", script, "sh"] + list(cmd),
                            pass_fds=(fd,), stdin=subprocess.DEVNULL)


def exchange(path, data, cut, pause=0):
    """One stream in two pieces (a pause between them, in seconds); the
    transcript the adapter writes back."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(10)  # a hung adapter fails the check, not the run
        c.connect(path)
        c.sendall(data[:cut])
        if pause:
            time.sleep(pause)
        c.sendall(data[cut:])
        c.shutdown(socket.SHUT_WR)
        got = []
        while True:
            b = c.recv(65536)
            if not b:
                return b"".join(got).decode("ascii", "replace")
            got.append(b)


def wait(proc, secs=5):
    """proc's exit status, or "hung" (and killed) after secs."""
    try:
        return proc.wait(secs)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "hung"
