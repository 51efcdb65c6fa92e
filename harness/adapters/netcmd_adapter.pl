#!/usr/bin/env perl
# smtp-reply-harness adapter: the parser under test is Net::Cmd's reply
# reading (response(), getline(), code(), message()) as Net::SMTP uses it.
#
# Protocol (see README.md here): fd 3 = listening AF_UNIX socket, one reply
# stream per connection, transcript written back on it.  Without a listening
# fd 3: one stream from stdin, transcript to stdout.
#
# Net::SMTP is a Net::Cmd mixed into an IO::Socket; SRH::NetCmd is the same
# over the accepted AF_UNIX connection, so response() does its own select()
# and sysread()s on it as the bytes arrive.  What Net::Cmd reports is mapped
# as is; its quirks are the findings.
use strict;
use warnings;
use Errno qw(EINTR ECONNABORTED);
use IO::Socket::UNIX;
use Net::Cmd;
use Socket qw(SOL_SOCKET SO_ACCEPTCONN MSG_PEEK);
use Symbol qw(gensym);

package SRH::NetCmd {
    our @ISA = ('Net::Cmd', 'IO::Socket::UNIX');

    # Observes getline() without changing it.  response() answers CMD_ERROR
    # (5) alike for a 5xx reply, a bad line and EOF, and at EOF it overwrites
    # code/message with a synthetic 421 "Connection closed"; the adapter
    # tells those apart by what getline() last did.
    sub getline {
        my $cmd  = shift;
        my $line = $cmd->SUPER::getline();
        if (defined $line) {
            ${*$cmd}{srh_nlines}++;
            ${*$cmd}{srh_last} = $line;
        } else {
            ${*$cmd}{srh_eof} = 1;
        }
        return $line;
    }
}

my %ESC = map { (chr($_) => sprintf('\\x%02x', $_)) } 0 .. 0x1f, 0x7f .. 0xff;
@ESC{ "\r", "\n", "\t", '"', '\\' } = ('\\r', '\\n', '\\t', '\\"', '\\\\');

sub esc {
    my $s = shift;
    $s =~ s/([\x00-\x1f\x7f-\xff"\\])/$ESC{$1}/g;
    return $s;
}

# Returns (transcript, stopped_before_eof).
# Net::Cmd's policy, said (on fd 3) before the answer to an empty stream, as
# the first one is (README.md here): getline() splits at LF, code() is the last line's,
# nothing checks the text, and nothing limits a line or a reply.
my $DECLARE = "declare lenient bare-lf,long-lines,code-mismatch,8bit,control,bare-cr\n"
  . "declare limits line=none lines=none reply=none\n";

# transcript(cmd, declare): declare goes before the answer "end" to a stream
# that had no byte at all.
sub transcript {
    my ($cmd, $declare) = @_;
    my $out = '';
    while (1) {
        ${*$cmd}{srh_nlines} = 0;
        $cmd->response();
        if (${*$cmd}{srh_eof}) {
            # getline() got EOF (sysread 0; it closed the handle itself).  It
            # silently drops an unterminated last line, so a stream ending
            # "250 ok" with no line end looks like a clean end: that is
            # Net::Cmd's behaviour and is reported as such.  EOF after some
            # lines of a reply leaves only the synthetic 421 "[...]
            # Connection closed" in code()/message(): a truncation.
            $out .=
              ${*$cmd}{srh_nlines} ? "error truncated \@?\n" : $declare . "end\n";
            return ($out, 0);
        }
        # The last line ended the reply unless it failed Net::Cmd's own
        # parse (then response() pushed it back with ungetline(), so every
        # later response() would fail on the same line).  List context: it
        # returns () on failure, (code, more) on success.
        my $last = ${*$cmd}{srh_last};
        unless (my @parsed = $cmd->parse_response($last)) {
            $out .= "error syntax \@?\n";
            return ($out, 1);
        }
        $out .= 'reply ' . $cmd->code . " esc=-\n";
        for my $text ($cmd->message) {
            $text =~ s/\n\z//;    # the "\n" getline() appended; a "\r" stays
            $out .= '  "' . esc($text) . "\"\n";
        }
    }
}

sub write_all {
    my ($fh, $buf) = @_;
    while (length $buf) {
        my $n = syswrite($fh, $buf);
        if (!defined $n) {
            next if $! == EINTR;
            return;
        }
        substr($buf, 0, $n) = '';
    }
}

sub serve {
    my $listener = shift;
    while (1) {
        my $conn = gensym;
        unless (accept($conn, $listener)) {
            next if $! == EINTR || $! == ECONNABORTED;
            return;    # listener shut down or closed: the harness is done
        }
        # An empty stream (the harness's first): peeking waits for a byte
        # or the end, and takes nothing from Net::Cmd.
        my $peek = recv($conn, my $byte, 1, MSG_PEEK);
        my $empty = defined $peek && $byte eq '';
        # Net::Cmd closes its handle at EOF; give it a dup so the connection
        # stays open for the transcript.
        my $cmd = SRH::NetCmd->new_from_fd($conn, 'r') or die "dup: $!";
        my ($text, $early) = transcript($cmd, $empty ? $DECLARE : '');
        close $cmd;
        write_all($conn, $text);
        if ($early) {
            # The harness may still be writing: read to EOF so its writes
            # never fail and our close does not reset the connection (an
            # AF_UNIX close with unread data fails the peer's read).
            shutdown($conn, 1);
            my $junk;
            1 while sysread($conn, $junk, 65536);
        }
        close $conn;
    }
}

$SIG{PIPE} = 'IGNORE';    # a harness that gave up must not kill us

my $listener;
if (open($listener, '<&=', 3) && -S $listener) {
    my $on = getsockopt($listener, SOL_SOCKET, SO_ACCEPTCONN);
    if ($on && unpack('i', $on)) {
        serve($listener);
        exit 0;
    }
}
binmode STDOUT;
my $cmd = SRH::NetCmd->new_from_fd(\*STDIN, 'r') or die "stdin: $!";
print STDOUT (transcript($cmd, ''))[0];
exit 0;
