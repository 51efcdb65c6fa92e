#!/usr/bin/env node
'use strict';
// template.js - a Node.js adapter to copy for your own SMTP reply parser.
//
//   cp harness/adapters/template.js harness/adapters/mylib_adapter.js
//   edit parse() below, then:
//   printf '250-a\r\n250 b\r\n' | node harness/adapters/mylib_adapter.js
//   build/dev/smtp-split --subject 'adapter:node harness/adapters/mylib_adapter.js' corpus/replies
//
// The protocol (fd 3 listener or stdin, one transcript per stream, draining, SIGTERM) is
// node_adapter_lib.js's; the transcript format and what to report are in README.md here.
// Everything your adapter decides is in parse(): keep it beside this require, or use an
// absolute path to node_adapter_lib.js if your adapter lives elsewhere.
const { serve } = require('./node_adapter_lib.js');

// ======================= REPLACE THIS FUNCTION with a call into your parser ==================
// parse(input, t) is called once per stream. input: a Readable giving the stream's bytes as
// they arrive (Buffers). Feed them to your parser as they come (never read everything first:
// the cuts between pieces are the point), and report what the parser hands its caller:
//   t.reply(code, [line, ...])   each reply, in order; lines are Buffers (exact bytes) or
//                                strings (written as UTF-8): the text after code and separator
//   t.error('syntax' | 'limit' | 'truncated')   the parser's first error; nothing after it
//   t.end()                      EOF between replies
// Report what the parser does, not what it should: map its quirks, do not fix them.
// Typical shapes:
//   push parser:   input.on('data', c => p.feed(c)); input.on('end', () => p.finish());
//                  with p's callbacks calling t.reply / t.error / t.end
//   socket parser: hand it input as its socket; input.on('end', ...) tells EOF.
// The example below is a small strict reader (CRLF lines, "DDD-" / "DDD " / "DDD", one code
// per reply, 512-byte lines), only so that this file runs as it is.
function parse(input, t) {
    let buf = Buffer.alloc(0);
    let code = null; // the reply in progress: its code, and its lines so far
    let lines = [];
    input.on('data', chunk => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        let i;
        while (!t.done && (i = buf.indexOf('\r\n')) >= 0) {
            const line = buf.subarray(0, i);
            buf = buf.subarray(i + 2);
            const m = /^(\d{3})([ -]|$)/.exec(line.toString('latin1'));
            if (!m || (code !== null && m[1] !== code)) {
                return t.error('syntax');
            }
            code = m[1];
            lines.push(line.subarray(4));
            if (m[2] !== '-') {
                t.reply(Number(code), lines);
                code = null;
                lines = [];
            }
        }
        if (!t.done && buf.length > 512) {
            t.error('limit');
        }
    });
    input.on('end', () => (code !== null || buf.length ? t.error('truncated') : t.end()));
}
// ============================================================================================

serve(parse);
