using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Smtp;

/// <summary>Words that tell SMTP from FTP greetings (both start with "220").</summary>
public static class MailText
{
    public static bool NamesSmtp(ReadOnlySpan<byte> s) =>
        TextLine.ContainsIgnoreCase(s, "smtp"u8) || TextLine.ContainsIgnoreCase(s, "postfix"u8) ||
        TextLine.ContainsIgnoreCase(s, "exim"u8) || TextLine.ContainsIgnoreCase(s, "sendmail"u8) ||
        TextLine.ContainsIgnoreCase(s, "lmtp"u8) || TextLine.ContainsIgnoreCase(s, "mail service"u8) ||
        TextLine.ContainsIgnoreCase(s, "qmail"u8) || TextLine.ContainsIgnoreCase(s, "mail server"u8);

    public static bool NamesFtp(ReadOnlySpan<byte> s) =>
        TextLine.ContainsIgnoreCase(s, "ftp"u8) || TextLine.ContainsIgnoreCase(s, "filezilla"u8);

    /// <summary>SMTP server products, most specific first.</summary>
    public static readonly ProductToken[] SmtpProducts =
    [
        new("microsoft esmtp mail service"u8.ToArray(), "Microsoft ESMTP MAIL Service"),
        new("microsoft exchange"u8.ToArray(), "Microsoft Exchange"),
        new("postfix"u8.ToArray(), "Postfix"),
        new("exim"u8.ToArray(), "Exim"),
        new("sendmail"u8.ToArray(), "Sendmail"),
        new("opensmtpd"u8.ToArray(), "OpenSMTPD"),
        new("haraka"u8.ToArray(), "Haraka"),
        new("qmail"u8.ToArray(), "qmail"),
        new("hmailserver"u8.ToArray(), "hMailServer"),
        new("mailenable"u8.ToArray(), "MailEnable"),
        new("mdaemon"u8.ToArray(), "MDaemon"),
        new("zimbra"u8.ToArray(), "Zimbra"),
        new("courier"u8.ToArray(), "Courier"),
        new("dovecot"u8.ToArray(), "Dovecot"),
    ];

    /// <summary>POP3/IMAP server products, most specific first.</summary>
    public static readonly ProductToken[] MailboxProducts =
    [
        new("dovecot"u8.ToArray(), "Dovecot"),
        new("courier-imap"u8.ToArray(), "Courier-IMAP"),
        new("courier-pop3"u8.ToArray(), "Courier-POP3"),
        new("courier"u8.ToArray(), "Courier"),
        new("cyrus pop3"u8.ToArray(), "Cyrus POP3"),
        new("cyrus imap"u8.ToArray(), "Cyrus IMAP"),
        new("cyrus"u8.ToArray(), "Cyrus"),
        new("qpopper"u8.ToArray(), "Qpopper"),
        new("microsoft exchange"u8.ToArray(), "Microsoft Exchange"),
        new("zimbra"u8.ToArray(), "Zimbra"),
        new("hmailserver"u8.ToArray(), "hMailServer"),
        new("mdaemon"u8.ToArray(), "MDaemon"),
        new("uw imap"u8.ToArray(), "UW IMAP"),
        new("gimap"u8.ToArray(), "Gimap"),
        new("gpop"u8.ToArray(), "Gpop"),
    ];

    /// <summary>"&lt;addr&gt;" after a "MAIL FROM:"/"RCPT TO:" verb (or the bare word), without parameters.</summary>
    public static ReadOnlySpan<byte> Address(ReadOnlySpan<byte> afterColon)
    {
        var s = TextLine.Trim(afterColon);
        if (s.Length > 0 && s[0] == '<')
        {
            int close = s.IndexOf((byte)'>');
            return close < 0 ? s[1..] : s[1..close];
        }

        int sp = s.IndexOf((byte)' ');
        return sp < 0 ? s : s[..sp];
    }
}
