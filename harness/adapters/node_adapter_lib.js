'use strict';
// node_adapter_lib.js - the adapter protocol (README.md here) for parsers in Node.js, so that
// an adapter is only its parser's mapping: see template.js (start there) and
// nodemailer_adapter.js.
//
//   const { serve } = require('./node_adapter_lib.js');
//   serve((input, t) => { ... });
//
// serve(parse) calls parse(input, t) once per stream. input is a Readable of the stream's
// bytes (Buffers) as they arrive: the accepted connection on fd 3, or stdin when fd 3 is not
// a listening socket. parse attaches the parser to it and reports through t:
//   t.reply(code, lines)   a reply: code 0..999, lines an array of Buffers (exact bytes) or
//                          strings (written as UTF-8), each the text after code and separator
//   t.error(kind)          'syntax', 'limit' or 'truncated'; ends the stream's transcript
//   t.end()                the stream ended cleanly between replies; ends the transcript
//   t.done                 true once error() or end() was called; later calls are ignored
// serve(parse, declare): declare is the parser's policy, lines such as
// 'declare lenient bare-lf', said on fd 3 before the answer to an empty stream, as the
// harness's first is; see README.md here for what may be declared.
// Once the transcript is ended it is written back; if input has not reached EOF yet, the
// rest is read and discarded first (the harness's writes must not fail, and closing with
// unread data would reset the connection).
//
// Process: SIGTERM keeps its default action (it ends the adapter, as smtp-split expects);
// SIGPIPE is ignored by node itself; accept() failing for good (the listener shut) exits 0.
const fs = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

// One table lookup per byte, built once: the process lives for thousands of streams.
const ESC = [];
for (let b = 0; b < 256; b++) {
    ESC.push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\\x' + b.toString(16).padStart(2, '0'));
}
ESC[0x0d] = '\\r';
ESC[0x0a] = '\\n';
ESC[0x09] = '\\t';
ESC[0x22] = '\\"';
ESC[0x5c] = '\\\\';

function esc(bytes) {
    if (typeof bytes === 'string') {
        bytes = Buffer.from(bytes, 'utf8');
    }
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
        s += ESC[bytes[i]];
    }
    return s;
}

const KINDS = new Set(['syntax', 'limit', 'truncated']);

class Transcript {
    constructor(onDone, declare) {
        this.out = [];
        this._declare = declare; // () => the lines to say before an "end", or []
        this.done = false;
        this._onDone = onDone;
    }

    reply(code, lines) {
        if (this.done) {
            return;
        }
        // a bad code is a bug in the adapter's mapping: fail loudly, not with a bad transcript
        if (!Number.isInteger(code) || code < 0 || code > 999) {
            throw new RangeError('reply code must be an integer 0..999, not ' + code);
        }
        this.out.push('reply ' + String(code).padStart(3, '0') + ' esc=-\n');
        for (const line of lines) {
            this.out.push('  "' + esc(line) + '"\n');
        }
    }

    error(kind) {
        if (!KINDS.has(kind)) {
            throw new RangeError('error kind must be syntax, limit or truncated, not ' + kind);
        }
        this._finish('error ' + kind + ' @?\n');
    }

    end() {
        if (this.out.length === 0) {
            this.out.push(...this._declare().map(d => d + '\n'));
        }
        this._finish('end\n');
    }

    _finish(last) {
        if (this.done) {
            return;
        }
        this.done = true;
        this.out.push(last);
        this._onDone(this.out.join(''));
    }
}

// One stream: parse it from input, hand the transcript to write(text), and call closed()
// once the transcript is written and input is at EOF.
function run(parse, declare, input, write, closed) {
    let eof = false;
    let written = false;
    input.once('end', () => {
        eof = true;
        if (written) {
            closed();
        }
    });
    const t = new Transcript(text => {
        if (!eof) {
            // the parser stopped early: drop its listeners and drain to EOF
            input.unpipe();
            input.removeAllListeners('data');
            input.on('data', () => {});
            input.resume();
        }
        write(text, () => {
            written = true;
            if (eof) {
                closed();
            }
        });
    }, declare);
    parse(input, t);
}

function serveSocket(parse, declare, server) {
    let open = 0;
    let accepted = 0;
    server.on('connection', sock => {
        open++;
        accepted++;
        sock.once('close', () => open--);
        sock.on('error', () => {}); // the harness gave up on this stream: next one
        // sock.end(text): the transcript, then our side shut; with allowHalfOpen the
        // socket closes itself once the harness's side has ended too
        // only an empty stream's answer declares (net.Socket counts what it read)
        const said = () => (sock.bytesRead === 0 ? declare : []);
        run(parse, said, sock, (text, cb) => sock.end(text, cb), () => sock.destroy());
    });
    // listening already: an error now is accept() failing for good (libuv itself retries
    // EINTR and ECONNABORTED)
    server.on('error', () => process.exit(0));
    // A shut listener does not fail accept() here: Linux gives EINVAL only to a blocking
    // accept, libuv's is non-blocking and gets EAGAIN while epoll reports the socket ready
    // (EPOLLHUP) for ever, so libuv spins without telling us. Spot the spin instead: a whole
    // second of a busy event loop, no connection open and none accepted, is nothing else.
    let last = performance.eventLoopUtilization();
    let seen = 0;
    setInterval(() => {
        const now = performance.eventLoopUtilization();
        const busy = performance.eventLoopUtilization(now, last).utilization;
        last = now;
        if (busy > 0.9 && open === 0 && accepted === seen) {
            process.exit(0);
        }
        seen = accepted;
    }, 1000).unref();
}

function serveStdin(parse) {
    run(
        parse,
        () => [],
        process.stdin,
        (text, cb) => process.stdout.write(text, cb),
        () => process.exit(0)
    );
}

function serve(parse, declare = []) {
    let isSocket = false;
    try {
        isSocket = fs.fstatSync(3).isSocket();
    } catch (_e) {
        // fd 3 not open
    }
    if (!isSocket) {
        return serveStdin(parse);
    }
    // node cannot ask SO_ACCEPTCONN; listen() on the fd fails (EINVAL) unless it is a
    // listening socket already (or bound, which the harness never passes), so try it
    const server = net.createServer({ allowHalfOpen: true });
    const notListener = () => serveStdin(parse);
    server.once('error', notListener);
    server.listen({ fd: 3 }, () => {
        server.removeListener('error', notListener);
        serveSocket(parse, declare, server);
    });
}

module.exports = { serve, esc };
