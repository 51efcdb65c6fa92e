'use strict';
// nodemailer_driver.js - the smtp-torture driver proper for nodemailer's SMTP transport; run
// by ../nodemailer, which installs nodemailer and passes its folder first:
//   node nodemailer_driver.js HOME PORT MESSAGE-FILE | node nodemailer_driver.js HOME --version
//
// One sendMail(): 127.0.0.1:PORT, secure:false, ignoreTLS:true (no STARTTLS even when
// offered), name 'client.example' (the EHLO name), no auth, no pool. nodemailer has no
// retries of its own, so one call is one attempt. The message file goes as `raw`: nodemailer
// sends it as it is, but for the dot-stuffing and line-end repair DATA needs. Envelope:
// a@example.com to $SRH_TORTURE_RECIPIENTS. Connection, greeting and socket (each read)
// timeouts 15 s.
//
// The outcome line, from what nodemailer hands its caller (SMTPConnection in
// lib/smtp-connection/index.js builds both; read for 10.6.1):
//   sent: sendMail(cb) gives info.
//     code        not given: info.response's leading digits, the same rule _formatError
//                 uses for err.responseCode (a multiline reply's FIRST line decides)
//     text        info.response: the end-of-data reply as _processResponse assembled it,
//                 codes included, lines joined by "\n", decoded as UTF-8 unless that would
//                 need a replacement character (then one char per byte, Latin-1)
//     recipients  info.accepted: addresses only (nodemailer keeps no reply for an accepted
//                 RCPT): code and text null. info.rejectedErrors: one Error per refused RCPT,
//                 .recipient, .responseCode, .response (that RCPT's whole reply)
//   failed: sendMail(cb) gives err.
//     code, text  err.responseCode, err.response: the reply nodemailer blames (MAIL, the
//                 last/deferred RCPT, DATA or end of data). Both absent for a lost connection
//                 or a timeout, except that at EOF an unterminated last line that looks like
//                 "4xx "/"5xx " is handed on as err.response
//     recipients  err.rejectedErrors, only when every recipient was refused
//                 ("all recipients were rejected"); nodemailer reports no accepted list on
//                 failure, so accepted recipients are left out then
//     error       err.code (EENVELOPE, EMESSAGE, ECONNECTION, ETIMEDOUT, EPROTOCOL...) and
//                 err.message
// Exit status: 0 sent; 1 not sent; 2 usage.
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const [home, ...args] = process.argv.slice(2);
// The wait for the server: $SRH_CLIENT_TIMEOUT seconds (1 to 15), else 15.
const waitS = Number.parseInt(process.env.SRH_CLIENT_TIMEOUT || '', 10);
const timeoutMs = (waitS >= 1 && waitS <= 15 ? waitS : 15) * 1000;

function version() {
    const pkg = path.join(home, 'node_modules', 'nodemailer', 'package.json');
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
}

function codeOf(response) {
    const m = typeof response === 'string' && /^\d+/.exec(response);
    return m ? Number(m[0]) : null;
}

function recipientsOf(addresses, accepted, rejectedErrors) {
    const refused = new Map((rejectedErrors || []).map(e => [e.recipient, e]));
    const took = new Set(accepted || []);
    const out = [];
    for (const address of addresses) {
        const e = refused.get(address);
        if (e) {
            out.push({ address, accepted: false, code: e.responseCode || null, text: e.response || null });
        } else if (took.has(address)) {
            out.push({ address, accepted: true, code: null, text: null });
        }
    }
    return out;
}

function main() {
    if (args.length === 1 && args[0] === '--version') {
        console.log('nodemailer ' + version());
        return;
    }
    if (!home || args.length !== 2) {
        console.error('usage: nodemailer PORT MESSAGE-FILE | nodemailer --version');
        process.exitCode = 2;
        return;
    }
    const nodemailer = createRequire(path.join(home, 'package.json'))('nodemailer');
    const to = (process.env.SRH_TORTURE_RECIPIENTS || 'b@example.com')
        .split(',')
        .map(s => s.trim())
        .filter(Boolean);
    const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: Number(args[0]),
        secure: false,
        ignoreTLS: true,
        name: 'client.example',
        pool: false,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs
    });
    const raw = fs.readFileSync(args[1]);
    transport.sendMail({ envelope: { from: 'a@example.com', to }, raw }, (err, info) => {
        let outcome;
        if (err) {
            outcome = {
                accepted: false,
                code: err.responseCode || null,
                text: err.response || null,
                recipients: recipientsOf(to, [], err.rejectedErrors),
                error: (err.code ? err.code + ': ' : '') + err.message
            };
            console.error('nodemailer: ' + outcome.error);
        } else {
            outcome = {
                accepted: true,
                code: codeOf(info.response),
                text: typeof info.response === 'string' ? info.response : null,
                recipients: recipientsOf(to, info.accepted, info.rejectedErrors)
            };
        }
        process.stdout.write('SRH-OUTCOME ' + JSON.stringify(outcome) + '\n');
        process.exitCode = err ? 1 : 0;
        transport.close();
        // nodemailer ends the socket without QUIT and waits up to 5 s for the server's close;
        // the verdict is in, so do not make smtp-torture wait for that
        setTimeout(() => process.exit(), 1000).unref();
    });
}

main();
