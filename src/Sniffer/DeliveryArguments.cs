using System.Globalization;
using Sniffer.Output.Delivery;
using Sniffer.Pipeline;

namespace Sniffer.Cli;

/// <summary>
/// The delivery options (<c>--rotate-*</c>, <c>--syslog*</c>, <c>--sensor-name</c>): parsed here so that
/// <see cref="CommandLine"/> only forwards them.
/// </summary>
internal sealed class DeliveryArguments
{
    public static readonly string[] Flags =
    [
        "--rotate-size", "--rotate-interval", "--rotate-keep",
        "--syslog", "--syslog-facility", "--syslog-max-size", "--syslog-queue",
        "--sensor-name",
    ];

    /// <summary>Longest <c>--rotate-interval</c>: 366 days.</summary>
    public const long MaxIntervalSeconds = 366L * 86400;

    public long RotateSize;
    public long RotateIntervalSeconds;
    public int? RotateKeep;
    public SyslogEndpoint? Syslog;
    public int Facility = SyslogFacility.Default;
    public int? MaxMessageBytes;
    public long QueueBytes = SyslogOptions.DefaultQueueBytes;
    public string? SensorName;
    private bool _syslogTuned;

    public static bool IsFlag(string flag) => Array.IndexOf(Flags, flag) >= 0;

    public RotationOptions Rotation => new()
    {
        MaxBytes = RotateSize,
        Interval = TimeSpan.FromSeconds(RotateIntervalSeconds),
        Keep = RotateKeep ?? RotationOptions.DefaultKeep,
    };

    public void Parse(string flag, string value)
    {
        switch (flag)
        {
            case "--rotate-size":
                RotateSize = Size(flag, value, RotationOptions.MinSizeBytes, long.MaxValue / 2);
                break;
            case "--rotate-interval":
                RotateIntervalSeconds = Seconds(flag, value);
                break;
            case "--rotate-keep":
                RotateKeep = (int)Number(flag, value, 1, RotationOptions.MaxKeep);
                break;
            case "--syslog":
                if (!SyslogEndpoint.TryParse(value, out var endpoint, out string error))
                {
                    throw new UsageException($"--syslog: \"{value}\": {error}");
                }

                Syslog = endpoint;
                break;
            case "--syslog-facility":
                _syslogTuned = true;
                if (!SyslogFacility.TryParse(value, out Facility))
                {
                    throw new UsageException($"--syslog-facility: \"{value}\" is not a facility (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0…local7, or 0–23)");
                }

                break;
            case "--syslog-max-size":
                _syslogTuned = true;
                MaxMessageBytes = (int)Size(flag, value, SyslogOptions.MinMaxMessageBytes, SyslogOptions.MaxTcpMessageBytes);
                break;
            case "--syslog-queue":
                _syslogTuned = true;
                QueueBytes = Size(flag, value, 64 * 1024, 1L << 40);
                break;
            case "--sensor-name":
                if (value.Length is 0 or > ObserverFields.MaxNameLength || value.Any(char.IsControl))
                {
                    throw new UsageException($"--sensor-name: needs 1 to {ObserverFields.MaxNameLength} characters, no control characters");
                }

                SensorName = value;
                break;
            default:
                throw new UsageException($"unknown option {flag} (see --help)");
        }
    }

    /// <summary>Checks the combination and puts what the pipeline needs into <paramref name="options"/>.</summary>
    public SnifferOptions Apply(CommandLine cl, SnifferOptions options)
    {
        if ((RotateSize > 0 || RotateIntervalSeconds > 0 || RotateKeep is not null) && cl.WritePath is null or "-")
        {
            throw new UsageException("--rotate-size, --rotate-interval and --rotate-keep need -w FILE");
        }

        if (Syslog is null && _syslogTuned)
        {
            throw new UsageException("--syslog-facility, --syslog-max-size and --syslog-queue need --syslog");
        }

        if (Syslog is { Transport: SyslogTransport.Udp } && MaxMessageBytes > SyslogOptions.MaxUdpMessageBytes)
        {
            throw new UsageException($"--syslog-max-size: a UDP datagram carries at most {SyslogOptions.MaxUdpMessageBytes} bytes");
        }

        string? host = cl.Interface is not null || Syslog is not null ? System.Net.Dns.GetHostName() : null;
        return options with
        {
            // Live capture names the machine and the interface; a capture file only the --sensor-name given
            // (its output must not depend on the machine that reads it).
            Observer = ObserverFields.Create(cl.Interface is null ? null : host, cl.Interface, SensorName),
            Syslog = Syslog is null ? null : new SyslogOptions
            {
                Endpoint = Syslog,
                Facility = Facility,
                MaxMessageBytes = MaxMessageBytes ?? SyslogOptions.DefaultMaxMessageBytes,
                QueueBytes = QueueBytes,
                Hostname = host,
                WaitWhenFull = cl.ReadPath is not null, // reading a capture: waiting loses nothing
                Warn = m => Console.Error.WriteLine($"sniffer: warning: {m}"),
            },
        };
    }

    private static long Number(string flag, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
        {
            throw new UsageException($"{flag}: \"{value}\" is not a number from {min} to {max}");
        }

        return n;
    }

    /// <summary>Bytes, with an optional binary suffix: 512k, 100M, 1G (k/K = 1024).</summary>
    public static long Size(string flag, string value, long min, long max)
    {
        long unit = 1;
        string digits = value;
        if (value.Length > 1)
        {
            unit = char.ToUpperInvariant(value[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                _ => 1,
            };
            if (unit != 1)
            {
                digits = value[..^1];
            }
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > max / unit || n * unit < min)
        {
            throw new UsageException($"{flag}: \"{value}\" is not a size from {min} to {max} bytes (suffix k, M or G allowed)");
        }

        return n * unit;
    }

    /// <summary>Seconds, with an optional unit: 90, 90s, 15m, 1h, 1d.</summary>
    public static long Seconds(string flag, string value)
    {
        long unit = 1;
        string digits = value;
        if (value.Length > 1 && char.IsLetter(value[^1]))
        {
            unit = value[^1] switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 0,
            };
            digits = value[..^1];
        }

        if (unit == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < 1 || n > MaxIntervalSeconds / unit)
        {
            throw new UsageException($"{flag}: \"{value}\" is not a duration from 1s to {MaxIntervalSeconds / 86400}d (90, 90s, 15m, 1h, 1d)");
        }

        return n * unit;
    }
}
