#!/usr/bin/env node
'use strict';
// nodemailer_adapter.js - smtp-reply-harness adapter: the parser under test is nodemailer's
// reply reader, the part of SMTPConnection (lib/smtp-connection/index.js) that splits what
// the server sends into lines, assembles multiline replies and hands each one to the
// command waiting for it. The protocol is node_adapter_lib.js's (README.md here).
//
// nodemailer comes from the folder the wire driver uses (harness/wire/clients/node/
// install-nodemailer, which installs it there on first use): the pinned 10.6.1, or
// SRH_CLIENT_VERSION's. Read for 10.6.1.
//
// The seam, per stream: a fresh SMTPConnection that never connects; its own 'data' listener
// (_onSocketData, which calls _onData) is put on the harness's connection, so _onData gets
// the bytes in the pieces they arrive in, exactly as from its socket. _onData keeps a
// partial line in _remainder, queues lines in _responseQueue (a line matching /^\d+-/ makes
// the next one join its entry) and calls _processResponse, which takes one entry, skips it
// if blank, decodes it and calls the first function in _responseActions with it: the reply
// as the command handler sees it. The adapter keeps one function of its own there (it puts
// itself back each time), so every reply the reader hands on is reported, in order. Nothing
// of nodemailer is replaced; an own-property wrapper of _processResponse only peeks at the
// entry it is about to take (to know the bytes; see below) and counts its calls.
//
// Mapping (nodemailer never splits code from text; it hands on the whole reply string):
// - code: err.responseCode as nodemailer's own _formatError derives it for its caller: the
//   leading digits of the reply, so the FIRST line's code (a multiline reply's later codes
//   are never looked at; the commands themselves only test the first character). When that
//   gives no code or more than 3 digits ("bad", " 250 x", "000 x", "2500 x") no caller gets
//   a usable code: reported as syntax, though nodemailer hands such a line on as a reply.
// - lines: the reply split at "\n" (how _onData joined them); each line's text is the line
//   without its leading digits and the one character after them (any character: nodemailer
//   has no separator rule but that "-" continues a reply). A line without digits (only
//   possible after a continuation line) is all text.
// - bytes: _processResponse decodes a reply as UTF-8 unless that would need a replacement
//   character, then keeps one char per byte; the text is written back in the encoding it
//   was decoded with, so the transcript has exactly the bytes received.
// - EOF: nodemailer's own _onClose is called once the reader has handed on everything it
//   will (no _processResponse call for a whole event-loop turn). It fails the waiting
//   command with "Connection closed unexpectedly" whatever was pending, but for one case:
//   an unterminated last line that looks like "4xx " or "5xx " becomes err.response, the
//   reply the caller is given: reported as a reply, then end. Otherwise: a reply still in
//   _responseQueue (lines of a multiline reply, dropped) is truncated; anything else is end
//   (an unterminated "250 ok" is dropped silently, like a clean close).
// - limit: _onData's 1 MiB cap on a line or a reply (error "Server response exceeds
//   maximum allowed size").
// - 421: nodemailer closes the connection after handing on a reply starting "421 "/"421-"
//   (RFC 5321 4.2) and reads nothing more: reported as the reply, then end.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { createRequire } = require('node:module');
const { serve } = require('./node_adapter_lib.js');

function loadSMTPConnection() {
    const helper = path.join(__dirname, '..', 'wire', 'clients', 'node', 'install-nodemailer');
    let home;
    try {
        // npm's messages go to our stderr; stdout is only the folder
        home = execFileSync(helper, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    } catch (_e) {
        console.error('nodemailer_adapter: nodemailer is not installed (see above)');
        process.exit(2);
    }
    const SMTPConnection = createRequire(path.join(home, 'package.json'))('nodemailer/lib/smtp-connection');
    // the seam is private API: a nodemailer without it must stop here, not report nonsense
    const probe = new SMTPConnection({ name: 'adapter' });
    for (const name of ['_onData', '_processResponse', '_onClose', '_formatError', '_onSocketData']) {
        if (typeof probe[name] !== 'function') {
            console.error('nodemailer_adapter: this nodemailer has no SMTPConnection.' + name + ': the seam moved');
            process.exit(2);
        }
    }
    return SMTPConnection;
}

const SMTPConnection = loadSMTPConnection();
const processResponse = SMTPConnection.prototype._processResponse;

function parse(input, t) {
    const conn = new SMTPConnection({ name: 'adapter' });
    let head = ''; // the queue entry _processResponse is taking: the reply's bytes
    let calls = 0;
    let atEof = false;

    // A reply string from nodemailer, with the byte-container string it was decoded from.
    const report = (str, raw) => {
        const code = conn._formatError('', '', str).responseCode;
        if (!code || code > 999) {
            t.error('syntax');
            conn.close(); // stop the reader; nothing after an error
            return;
        }
        const enc = str === raw ? 'latin1' : 'utf8';
        const lines = str.split('\n').map(line => Buffer.from(line.replace(/^(\d+)[^]?/, ''), enc));
        t.reply(code, lines);
    };

    conn._processResponse = function () {
        calls++;
        head = String(this._responseQueue[0] || '');
        return processResponse.call(this);
    };
    const take = str => {
        report(str, head);
        conn._responseActions.push(take);
    };
    conn._responseActions = [take];

    conn.on('error', err => {
        if (!atEof) {
            // the only error _onData raises itself
            return t.error(/maximum allowed size/i.test(err.message) ? 'limit' : 'syntax');
        }
        if (err.response) {
            report(err.response, conn._remainder.trim());
            return t.end();
        }
        return conn._responseQueue.length ? t.error('truncated') : t.end();
    });
    conn.on('end', () => t.end()); // closed by a 421 (after EOF, the error came first)

    input.on('data', conn._onSocketData);
    input.on('end', () => {
        // _processResponse goes on from one setImmediate to the next: wait until a whole
        // event-loop turn has passed without a call, then it has handed on all it will
        let seen = -1;
        const settle = () => {
            if (t.done) {
                return;
            }
            if (calls !== seen) {
                seen = calls;
                return setImmediate(settle);
            }
            atEof = true;
            conn._onClose();
            if (!t.done) {
                t.end(); // a nodemailer whose _onClose said nothing
            }
        };
        setImmediate(settle);
    });
}

// nodemailer's policy: it splits at LF and checks no text byte; a line or a reply may hold
// 1 MiB; it takes a reply's FIRST line's code, which is not the code-mismatch leniency (the
// last line's), so that one stays a difference.
serve(parse, [
    'declare lenient bare-lf,long-lines,8bit,control,bare-cr',
    'declare limits line=1048576 lines=none reply=1048576',
]);
