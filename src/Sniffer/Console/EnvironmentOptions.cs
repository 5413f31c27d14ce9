using System.Text;

namespace Sniffer.Cli;

/// <summary>
/// Every long option can also be set from the environment: <c>--rotate-size</c> is <c>SNIFFER_ROTATE_SIZE</c>
/// (prefix <c>SNIFFER_</c>, upper case, dashes become underscores). The option list is read from
/// <see cref="CommandLine.HelpText"/> itself — every flag must be documented there anyway — so a flag added later
/// gets its variable with no further edit. Options given on the command line win over the environment; boolean
/// flags take 1/true/yes or 0/false/no; an empty variable counts as unset. Actions (--help, --version,
/// --list-interfaces) are not settable.
/// </summary>
internal static class EnvironmentOptions
{
    public const string Prefix = "SNIFFER_";

    /// <summary>Long options that are actions, not settings.</summary>
    private static readonly string[] NotFromEnvironment = ["help", "version", "list-interfaces"];

    /// <summary>
    /// Options that exclude each other: one of a pair on the command line sets aside the other's variable
    /// (<c>-r</c> given replaces SNIFFER_INTERFACE; <c>--summary-only</c> given ignores SNIFFER_WRITE, and so on).
    /// </summary>
    private static readonly (string, string)[] Exclusive =
        [("read", "interface"), ("summary-only", "write"), ("summary-only", "records"), ("summary-only", "stats"), ("summary-only", "quiet")];

    /// <summary>One settable option, as documented in the help.</summary>
    public sealed record Option(string Long, char? Short, bool TakesValue)
    {
        public string Variable => Prefix + Long.ToUpperInvariant().Replace('-', '_');
    }

    /// <summary>The variable of a long option: "--rotate-size" → "SNIFFER_ROTATE_SIZE".</summary>
    public static string Variable(string longOption) => new Option(longOption.TrimStart('-'), null, false).Variable;

    /// <summary>The settable options documented in <paramref name="helpText"/>, in help order.</summary>
    public static IReadOnlyList<Option> Options(string helpText)
    {
        var list = new List<Option>();
        foreach (string line in helpText.Split('\n'))
        {
            if (ParseOptionLine(line.TrimEnd('\r')) is { } option && Array.IndexOf(NotFromEnvironment, option.Long) < 0 &&
                !list.Exists(o => o.Long == option.Long))
            {
                list.Add(option);
            }
        }

        return list;
    }

    /// <summary>
    /// Returns the arguments the environment adds (each option not already on the command line whose variable is
    /// set; <paramref name="fromEnvironment"/> of them), followed by <paramref name="args"/>. Throws
    /// <see cref="UsageException"/> for a bad boolean.
    /// </summary>
    public static string[] Merge(string[] args, string helpText, Func<string, string?> environment, out int fromEnvironment)
    {
        var options = Options(helpText);
        var onCommandLine = OnCommandLine(args, options);
        var given = new HashSet<string>(onCommandLine, StringComparer.Ordinal);
        foreach (var (a, b) in Exclusive)
        {
            if (onCommandLine.Contains(a) || onCommandLine.Contains(b))
            {
                given.Add(a);
                given.Add(b);
            }
        }

        var merged = new List<string>();
        foreach (var o in options)
        {
            if (given.Contains(o.Long) || environment(o.Variable) is not { Length: > 0 } value)
            {
                continue;
            }

            if (o.TakesValue)
            {
                merged.Add("--" + o.Long);
                merged.Add(value);
            }
            else if (ParseBoolean(value) ?? throw new UsageException($"{o.Variable}=\"{value}\": expected 1, true, yes, 0, false or no"))
            {
                merged.Add("--" + o.Long);
            }
        }

        fromEnvironment = merged.Count;
        merged.AddRange(args);
        return [.. merged];
    }

    /// <summary>
    /// An option line of the help: at least two spaces of indentation, an optional "-x, ", then "--name", then
    /// optionally one space and an upper-case value placeholder (N, FILE|-, EXPR, SIZE[K|M]), then spaces and the
    /// description (or the end of the line). Anything else is not an option line.
    /// </summary>
    public static Option? ParseOptionLine(string line)
    {
        var rest = line.AsSpan();
        int indent = rest.Length - rest.TrimStart(' ').Length;
        if (indent < 2)
        {
            return null;
        }

        rest = rest[indent..];
        char? shortName = null;
        if (rest.Length >= 4 && rest[0] == '-' && char.IsAsciiLetter(rest[1]) && rest[2] == ',' && rest[3] == ' ')
        {
            shortName = rest[1];
            rest = rest[4..];
        }

        if (!rest.StartsWith("--") || rest.Length < 3 || !(char.IsAsciiLetterLower(rest[2]) || char.IsAsciiDigit(rest[2])))
        {
            return null;
        }

        rest = rest[2..];
        int nameEnd = 0;
        while (nameEnd < rest.Length && (char.IsAsciiLetterLower(rest[nameEnd]) || char.IsAsciiDigit(rest[nameEnd]) || rest[nameEnd] == '-'))
        {
            nameEnd++;
        }

        string name = rest[..nameEnd].ToString();
        rest = rest[nameEnd..];
        bool takesValue = false;
        if (rest.Length >= 2 && rest[0] == ' ' && char.IsAsciiLetterUpper(rest[1]))
        {
            int valueEnd = rest[1..].IndexOf(' ');
            rest = valueEnd < 0 ? [] : rest[(valueEnd + 1)..];
            takesValue = true;
        }

        // After the name (and value): the end of the line, or spaces before the description.
        return rest.IsEmpty || rest[0] == ' ' ? new Option(name, shortName, takesValue) : null;
    }

    /// <summary>1/true/yes → true, 0/false/no → false (any case), anything else → null.</summary>
    public static bool? ParseBoolean(string value) => value.Trim().ToUpperInvariant() switch
    {
        "1" or "TRUE" or "YES" => true,
        "0" or "FALSE" or "NO" => false,
        _ => null,
    };

    /// <summary>Long names of the options present in <paramref name="args"/> (values of options skipped).</summary>
    private static HashSet<string> OnCommandLine(string[] args, IReadOnlyList<Option> options)
    {
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            var o = a.StartsWith("--", StringComparison.Ordinal)
                ? options.FirstOrDefault(x => x.Long == a[2..])
                : a.Length == 2 && a[0] == '-' ? options.FirstOrDefault(x => x.Short == a[1]) : null;
            if (o is null)
            {
                continue;
            }

            given.Add(o.Long);
            if (o.TakesValue)
            {
                i++;
            }
        }

        return given;
    }

    /// <summary>The help's closing section: the rule and every variable.</summary>
    public static string HelpSection(string helpText)
    {
        var sb = new StringBuilder();
        sb.Append("Environment: each option --NAME above may be set as ").Append(Prefix)
          .Append("NAME instead (upper case, dashes as underscores),\n")
          .Append("e.g. SNIFFER_INTERFACE=eth1 SNIFFER_PORT=3624,443 SNIFFER_STATS=60; booleans take 1/true/yes or 0/false/no;\n")
          .Append("the command line wins. Variables:\n");
        int column = 0;
        foreach (var o in Options(helpText))
        {
            if (column > 0 && column + 1 + o.Variable.Length > 100)
            {
                sb.Append('\n');
                column = 0;
            }

            sb.Append(column == 0 ? "  " : " ").Append(o.Variable);
            column += (column == 0 ? 2 : 1) + o.Variable.Length;
        }

        return sb.Append('\n').ToString();
    }
}
