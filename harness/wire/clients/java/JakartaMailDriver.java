/*
 * JakartaMailDriver - smtp-torture client driver for Jakarta Mail 2.0
 * (com.sun.mail.smtp.SMTPTransport), run by ../java-jakarta-mail, which
 * compiles it.
 *
 * Usage: JakartaMailDriver PORT MESSAGE-FILE | JakartaMailDriver --version
 *
 * Sending. A Session with mail.smtp.host 127.0.0.1, mail.smtp.port PORT,
 * mail.smtp.localhost client.example (EHLO client.example; HELO if EHLO is
 * refused), mail.smtp.from a@example.com (MAIL FROM), no AUTH, no STARTTLS,
 * connect and read timeouts of 15 s, and:
 *   mail.smtp.sendpartial=true: a refused recipient does not abort the
 *     others. Without it, one refused RCPT makes SMTPTransport send RSET and
 *     throw "Invalid Addresses" before DATA. With it, the message goes to the
 *     accepted recipients and sendMessage() throws an SMTPSendFailedException
 *     for command "." afterwards (only if no recipient was accepted does it
 *     fail before DATA).
 *   mail.smtp.reportsuccess=true: every accepted RCPT is reported too, as an
 *     SMTPAddressSucceededException in the exception chain. The price: then
 *     sendMessage() throws that SMTPSendFailedException(".") even when every
 *     recipient was accepted and the message was sent.
 * The message is a MimeMessage parsed from MESSAGE-FILE's InputStream and
 * handed to SMTPTransport.sendMessage() as it is: saveChanges() is never
 * called (the parsing constructor marks it saved and unmodified), so
 * writeTo() writes the parsed header lines and the body bytes unchanged: no
 * Message-ID:, Date: or MIME-Version: is added. (Transport.send() would call
 * saveChanges(); that is why this driver does not use it.) What goes on the
 * wire is the file with SMTPOutputStream's dot-stuffing and CRLF line ends,
 * and Bcc: and Content-Length: headers left out (SMTPTransport's ignore
 * list; message.eml has neither). Header bytes are read and written as
 * Latin-1 (mail.mime.allowutf8 is off), so they round-trip too.
 *
 * Exit status: 0 the message was sent (sendMessage() returned, or threw the
 * SMTPSendFailedException of command "." with return code 250 that
 * sendpartial/reportsuccess cause after a successful end of data); 1 it was
 * not; 2 the message file cannot be read or the arguments are wrong.
 *
 * The outcome line (see ../README.md), one line on stdout:
 *   SRH-OUTCOME {"accepted":..,"code":..,"text":..,"command":..,"recipients":[..],"error":..}
 * mapped from what Jakarta Mail hands its caller:
 *   accepted   true for the two cases of exit 0 above, false otherwise.
 *   code/text  when sent: SMTPTransport.getLastReturnCode() and
 *                getLastServerResponse() right after sendMessage() (before
 *                close() sends QUIT): the reply to the end of data.
 *              SMTPSendFailedException (MAIL FROM, DATA or "." answered with
 *                something else than 250/354/250): its getReturnCode() and
 *                getMessage(), the reply to that command.
 *              SMTPAddressFailedException thrown on its own (a RCPT reply
 *                code SMTPTransport does not know: it takes 250 and 251 for
 *                accepted, 4xx and 5xx for refused, and gives up on anything
 *                else, 252 included, which it so reports refused): its
 *                getReturnCode() and getMessage().
 *              SendFailedException "Invalid Addresses" (no recipient
 *                accepted): getLastReturnCode()/getLastServerResponse(),
 *                which SMTPTransport restores after its RSET: the last RCPT
 *                reply.
 *              any other MessagingException (bad greeting, HELO refused):
 *                getLastReturnCode()/getLastServerResponse(), the reply it
 *                failed on; null when the exception wraps an IOException
 *                (connection lost, timeout, write failed), since the last
 *                reply then is an earlier, successful one.
 *              Jakarta Mail's own "no reply" values map to null: return code
 *                -1 (EOF, where the text is "[EOF]" or the lines read before
 *                it, or a reply that does not start with three digits) and 0
 *                (read error, text ""). text is null whenever code is; the
 *                library's text then goes into "error".
 *              Jakarta Mail takes the code of a multi-line reply from its
 *                first line, and gives the text as all the lines, codes
 *                included, each ended by "\n"; it decodes reply bytes as
 *                Latin-1.
 *   command    on failure, where Jakarta Mail names the command it blames:
 *                SMTPSendFailedException.getCommand() and
 *                SMTPAddressFailedException.getCommand() ("MAIL FROM:<..>",
 *                "RCPT TO:<..>", "DATA", ".") as MAIL, RCPT, DATA or ".";
 *                RCPT for "Invalid Addresses" (its code and text are the
 *                last RCPT's reply); "greeting" for "Got bad greeting". Left
 *                out for other failures (a refused HELO is a plain
 *                MessagingException holding the reply; I/O errors).
 *   recipients one entry for each SMTPAddressSucceededException (accepted
 *                true) and SMTPAddressFailedException (accepted false) in the
 *                exception's getNextException() chain, or thrown itself:
 *                getAddress(), getReturnCode(), getMessage() (the RCPT
 *                reply; code -1/0 map to null as above). Then any address of
 *                getValidSentAddresses() (accepted true) or
 *                getInvalidAddresses() (accepted false) with no entry yet,
 *                code and text null. getValidUnsentAddresses() are accepted
 *                or refused with 4xx, the library does not say which: left
 *                out. On the way without any exception there is no per-
 *                recipient report and the list is empty.
 *   error      on failure, the exception's class and message (and those of
 *                the IOException it wraps); when sent to some recipients
 *                only, which ones it was not sent to.
 *
 * JSON is written by jsonString() below: ASCII only, everything else as
 * backslash-u escapes (UTF-16 units), so stdout's charset does not matter.
 * Set SRH_JAKARTA_DEBUG=1 for Jakarta Mail's protocol trace on stderr.
 */

import com.sun.mail.smtp.SMTPAddressFailedException;
import com.sun.mail.smtp.SMTPAddressSucceededException;
import com.sun.mail.smtp.SMTPSendFailedException;
import com.sun.mail.smtp.SMTPTransport;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Properties;

public final class JakartaMailDriver {
    private JakartaMailDriver() {
    }

    public static void main(String[] args) {
        int rc = run(args);
        System.out.flush();
        System.err.flush();
        System.exit(rc);
    }

    private static int run(String[] args) {
        if (args.length == 1 && args[0].equals("--version")) {
            Package p = Session.class.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            if (v == null) {
                System.err.println("java-jakarta-mail: no Implementation-Version in jakarta-mail.jar");
                return 2;
            }
            System.out.println("jakarta-mail " + v);
            return 0;
        }
        if (args.length != 2) {
            System.err.println("usage: java-jakarta-mail PORT MESSAGE-FILE | --version");
            return 2;
        }
        String port = args[0];
        if (!port.matches("[0-9]{1,5}")) {
            System.err.println("java-jakarta-mail: bad port: " + port);
            return 2;
        }
        List<InternetAddress> to = new ArrayList<>();
        String list = System.getenv("SRH_TORTURE_RECIPIENTS");
        if (list == null || list.trim().isEmpty())
            list = "b@example.com";
        try {
            for (String a : list.split(",")) {
                if (!a.trim().isEmpty())
                    to.add(new InternetAddress(a.trim()));
            }
        } catch (MessagingException e) {
            System.err.println("java-jakarta-mail: bad SRH_TORTURE_RECIPIENTS: " + e.getMessage());
            return 2;
        }

        Properties props = new Properties();
        props.setProperty("mail.transport.protocol", "smtp");
        props.setProperty("mail.smtp.host", "127.0.0.1");
        props.setProperty("mail.smtp.port", port);
        props.setProperty("mail.smtp.localhost", "client.example");
        props.setProperty("mail.smtp.from", "a@example.com");
        props.setProperty("mail.smtp.auth", "false");
        props.setProperty("mail.smtp.starttls.enable", "false");
        props.setProperty("mail.smtp.starttls.required", "false");
        props.setProperty("mail.smtp.ssl.enable", "false");
        String ms = timeoutSeconds() * 1000 + "";
        props.setProperty("mail.smtp.connectiontimeout", ms);
        props.setProperty("mail.smtp.timeout", ms);
        props.setProperty("mail.smtp.sendpartial", "true");
        props.setProperty("mail.smtp.reportsuccess", "true");
        Session session = Session.getInstance(props);
        if ("1".equals(System.getenv("SRH_JAKARTA_DEBUG"))) {
            session.setDebugOut(System.err);
            session.setDebug(true);
        }

        MimeMessage msg;
        try (InputStream in = new BufferedInputStream(new FileInputStream(args[1]))) {
            msg = new MimeMessage(session, in);
        } catch (IOException | MessagingException e) {
            System.err.println("java-jakarta-mail: cannot read " + args[1] + ": " + e);
            return 2;
        }

        SMTPTransport t;
        try {
            t = (SMTPTransport) session.getTransport("smtp");
        } catch (MessagingException e) {
            System.err.println("java-jakarta-mail: no SMTP transport: " + e);
            return 2;
        }

        boolean accepted;
        Integer code = null;
        String text = null;
        String error = null;
        String command = null;
        List<String> rcpts = new ArrayList<>();
        try {
            t.connect();
            t.sendMessage(msg, to.toArray(new Address[0]));
            accepted = true;
            code = replyCode(t.getLastReturnCode());
            text = code == null ? null : t.getLastServerResponse();
        } catch (SMTPSendFailedException e) {
            recipients(e, rcpts);
            if (".".equals(e.getCommand()) && e.getReturnCode() == 250) {
                // sendpartial/reportsuccess: thrown after a successful end of data
                accepted = true;
                code = replyCode(t.getLastReturnCode());
                text = code == null ? null : t.getLastServerResponse();
                String unsent = addresses(e.getValidUnsentAddresses()) + addresses(e.getInvalidAddresses());
                if (!unsent.isEmpty())
                    error = "sent, but not to:" + unsent;
            } else {
                accepted = false;
                command = verb(e.getCommand());
                code = replyCode(e.getReturnCode());
                text = code == null ? null : e.getMessage();
                error = describe(e);
            }
        } catch (SMTPAddressFailedException e) {
            accepted = false;
            recipients(e, rcpts);
            command = verb(e.getCommand());
            code = replyCode(e.getReturnCode());
            text = code == null ? null : e.getMessage();
            error = describe(e);
        } catch (MessagingException e) {
            // SendFailedException "Invalid Addresses", or connect/EHLO/HELO
            // failure, or an I/O error anywhere
            accepted = false;
            recipients(e, rcpts);
            if (!(e.getNextException() instanceof IOException)) {
                code = replyCode(t.getLastReturnCode());
                text = code == null ? null : t.getLastServerResponse();
            }
            String m = e.getMessage();
            if (e instanceof SendFailedException && "Invalid Addresses".equals(m))
                command = "RCPT";
            else if (m != null && m.startsWith("Got bad greeting"))
                command = "greeting";
            error = describe(e);
        } catch (RuntimeException e) {
            // e.g. IllegalStateException "Not connected"
            accepted = false;
            error = e.toString();
        }

        StringBuilder o = new StringBuilder("SRH-OUTCOME {");
        o.append("\"accepted\":").append(accepted);
        o.append(",\"code\":").append(code == null ? "null" : code.toString());
        o.append(",\"text\":").append(jsonString(text));
        if (command != null)
            o.append(",\"command\":").append(jsonString(command));
        o.append(",\"recipients\":[").append(String.join(",", rcpts)).append(']');
        if (error != null)
            o.append(",\"error\":").append(jsonString(error));
        o.append('}');
        System.out.println(o);
        System.out.flush();
        if (error != null)
            System.err.println("java-jakarta-mail: " + error);

        try {
            t.close(); // QUIT, after the outcome is out
        } catch (MessagingException | RuntimeException e) {
            System.err.println("java-jakarta-mail: close: " + e);
        }
        return accepted ? 0 : 1;
    }

    /** Jakarta Mail's -1 (EOF, unparsable code) and 0 (I/O error) are no reply. */
    /** The wait for the server: $SRH_CLIENT_TIMEOUT seconds (1 to 15), else 15. */
    private static int timeoutSeconds() {
        try {
            int n = Integer.parseInt(System.getenv().getOrDefault("SRH_CLIENT_TIMEOUT", ""));
            return n >= 1 && n <= 15 ? n : 15;
        } catch (NumberFormatException e) {
            return 15;
        }
    }

    private static Integer replyCode(int rc) {
        return rc >= 100 && rc <= 999 ? Integer.valueOf(rc) : null;
    }

    /** The verb of an SMTPTransport command ("MAIL FROM:<a@example.com>"). */
    private static String verb(String cmd) {
        if (cmd == null)
            return null;
        String v = cmd.trim().split("[ :]", 2)[0].toUpperCase(java.util.Locale.ROOT);
        switch (v) {
        case "MAIL":
        case "RCPT":
        case "DATA":
        case ".":
            return v;
        default:
            return null;
        }
    }

    private static String addresses(Address[] as) {
        StringBuilder b = new StringBuilder();
        if (as != null) {
            for (Address a : as)
                b.append(' ').append(a.toString());
        }
        return b.toString();
    }

    private static String describe(Exception e) {
        StringBuilder b = new StringBuilder(e.getClass().getSimpleName());
        b.append(": ").append(e.getMessage());
        if (e instanceof MessagingException) {
            Exception n = ((MessagingException) e).getNextException();
            if (n instanceof IOException)
                b.append(" (").append(n.toString()).append(')');
        }
        return b.toString().trim();
    }

    /** The per-recipient reports in e and its chain, as JSON objects. */
    private static void recipients(MessagingException e, List<String> out) {
        List<String> seen = new ArrayList<>();
        IdentityHashMap<Exception, Boolean> visited = new IdentityHashMap<>();
        Exception x = e;
        while (x != null && visited.put(x, Boolean.TRUE) == null) {
            if (x instanceof SMTPAddressSucceededException) {
                SMTPAddressSucceededException s = (SMTPAddressSucceededException) x;
                addRecipient(out, seen, s.getAddress(), true, s.getReturnCode(), s.getMessage());
            } else if (x instanceof SMTPAddressFailedException) {
                SMTPAddressFailedException f = (SMTPAddressFailedException) x;
                addRecipient(out, seen, f.getAddress(), false, f.getReturnCode(), f.getMessage());
            }
            x = x instanceof MessagingException ? ((MessagingException) x).getNextException() : null;
        }
        if (e instanceof SendFailedException) {
            SendFailedException s = (SendFailedException) e;
            addListed(out, seen, s.getValidSentAddresses(), true);
            addListed(out, seen, s.getInvalidAddresses(), false);
        }
    }

    private static void addListed(List<String> out, List<String> seen, Address[] as, boolean ok) {
        if (as == null)
            return;
        for (Address a : as) {
            if (a instanceof InternetAddress)
                addRecipient(out, seen, (InternetAddress) a, ok, 0, null);
        }
    }

    private static void addRecipient(List<String> out, List<String> seen, InternetAddress a,
                                     boolean ok, int rc, String msg) {
        String addr = a == null ? null : a.getAddress();
        if (addr != null && seen.contains(addr))
            return;
        seen.add(addr);
        Integer c = replyCode(rc);
        out.add("{\"address\":" + jsonString(addr) + ",\"accepted\":" + ok
                + ",\"code\":" + (c == null ? "null" : c.toString())
                + ",\"text\":" + jsonString(c == null ? null : msg) + "}");
    }

    /** s as a JSON string (null as null), ASCII only. */
    static String jsonString(String s) {
        if (s == null)
            return "null";
        StringBuilder b = new StringBuilder(s.length() + 2);
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
            case '"':
                b.append("\\\"");
                break;
            case '\\':
                b.append("\\\\");
                break;
            case '\n':
                b.append("\\n");
                break;
            case '\r':
                b.append("\\r");
                break;
            case '\t':
                b.append("\\t");
                break;
            default:
                if (c < 0x20 || c >= 0x7f)
                    b.append(String.format("\\u%04x", (int) c));
                else
                    b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
