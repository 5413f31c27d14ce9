using System.Text.Json;
using Sniffer.Output;

namespace Sniffer.Attribution;

/// <summary>
/// A process that holds a flow's socket, as /proc showed it. Immutable and shared: every flow of the same process
/// points at one instance (no per-flow copies), written as ECS <c>process.*</c>.
/// </summary>
public sealed class ProcessInfo
{
    private static readonly JsonEncodedText PidName = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText ExecutableName = JsonEncodedText.Encode("executable");
    private static readonly JsonEncodedText CommandLineName = JsonEncodedText.Encode("command_line");
    private static readonly JsonEncodedText StartName = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText UserObjectName = JsonEncodedText.Encode("user");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");

    public ProcessInfo(int pid, string name, string? executable, string? commandLine, uint uid, string? userName, ulong startTicks, long startNs)
    {
        Pid = pid;
        Name = name;
        Executable = executable;
        CommandLine = commandLine;
        Uid = uid;
        UserId = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        UserName = userName;
        StartTicks = startTicks;
        StartNs = startNs;
    }

    /// <summary>Process id as this host's /proc numbers it (the initial PID namespace when sniffer runs there).</summary>
    public int Pid { get; }

    /// <summary>The kernel's command name (<c>/proc/PID/comm</c>, at most 15 bytes; also in <c>stat</c>).</summary>
    public string Name { get; }

    /// <summary>Target of <c>/proc/PID/exe</c>; null when unreadable (another user's process without privileges).</summary>
    public string? Executable { get; }

    /// <summary><c>/proc/PID/cmdline</c> with its NULs as spaces, cut at <see cref="ProcessInfoReader.MaxCommandLineLength"/>; null when empty (kernel threads, zombies).</summary>
    public string? CommandLine { get; }

    /// <summary>Effective user id.</summary>
    public uint Uid { get; }

    /// <summary><see cref="Uid"/> as text (ECS <c>process.user.id</c> is a keyword).</summary>
    public string UserId { get; }

    /// <summary>Name of <see cref="Uid"/> in the user database; null when it has none.</summary>
    public string? UserName { get; }

    /// <summary>Start time in clock ticks since boot (<c>stat</c> field 22): with the PID, identifies the process.</summary>
    public ulong StartTicks { get; }

    /// <summary>Start time, Unix nanoseconds (0 when unknown).</summary>
    public long StartNs { get; }

    /// <summary>Writes <c>{"pid":…,"name":…,"executable":…,"command_line":…,"start":…,"user":{"id":…,"name":…}}</c>.</summary>
    public void Write(Utf8JsonWriter w, JsonEncodedText property)
    {
        w.WriteStartObject(property);
        w.WriteNumber(PidName, Pid);
        w.WriteString(NameName, Name);
        if (Executable is not null)
        {
            w.WriteString(ExecutableName, Executable);
        }

        if (CommandLine is not null)
        {
            w.WriteString(CommandLineName, CommandLine);
        }

        if (StartNs != 0)
        {
            Span<byte> scratch = stackalloc byte[Rfc3339.Length + 2];
            int n = Rfc3339.Format(StartNs, scratch);
            w.WriteString(StartName, scratch[..n]);
        }

        w.WriteStartObject(UserObjectName);
        w.WriteString(IdName, UserId);
        if (UserName is not null)
        {
            w.WriteString(NameName, UserName);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
