using System.Diagnostics;
using Xunit;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// A real Debian program a test starts (server) or runs (client): where it is, which package brings it and that
/// package's version (written to the test output, so a run says exactly what it talked to).
/// </summary>
public sealed record Tool(string Name, string Path, string Package, string PackageVersion)
{
    /// <summary>
    /// True in CI (<c>CI=true</c>, as the CI runner sets it): there <c>.ci/run</c> installed every package, so a
    /// missing program is a failure rather than a skip (a green run must not hide a missing install step).
    /// </summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first existing candidate path; a skip (a failure in CI) naming the Debian package when none exists.</summary>
    public static Tool Require(string name, string package, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return new Tool(name, candidate, package, PackageVersionOf(package));
            }
        }

        string reason = $"{name} is not installed (Debian package {package}; .ci/run installs it)";
        Assert.False(InCi, reason);
        Skip.If(true, reason);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// A system user a server drops to (created by its Debian package): a skip (a failure in CI) when absent.
    /// </summary>
    public static void RequireUser(string user, string package)
    {
        bool exists = File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
        string reason = $"user {user} does not exist (Debian package {package} creates it; .ci/run installs it)";
        Assert.False(!exists && InCi, reason);
        Skip.IfNot(exists, reason);
    }

    /// <summary>A program of PostgreSQL's versioned tree (<c>/usr/lib/postgresql/N/bin</c>), newest N first.</summary>
    public static Tool RequirePostgres(string name)
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Major: int.TryParse(System.IO.Path.GetFileName(d), out int v) ? v : -1))
                .Where(d => d.Major > 0)
                .OrderByDescending(d => d.Major)
                .Select(d => System.IO.Path.Combine(d.Dir, "bin", name))
                .ToArray()
            : [];
        string major = candidates.Length > 0 ? System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(candidates[0]))!) : "";
        return Require(name, major.Length > 0 ? $"postgresql-{major}" : "postgresql", candidates);
    }

    /// <summary>The installed version of a Debian package (<c>dpkg-query</c>), or <c>unknown</c>.</summary>
    public static string PackageVersionOf(string package)
    {
        try
        {
            var psi = new ProcessStartInfo("dpkg-query", ["-W", "-f=${Version}", package])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string version = p.StandardOutput.ReadToEnd().Trim();
            p.StandardError.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 && version.Length > 0 ? version : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    /// <summary>The upstream part of a Debian version: <c>1:9.2p1-2+deb12u10</c> → <c>9.2p1</c>.</summary>
    public static string Upstream(string debianVersion)
    {
        string v = debianVersion;
        int colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            v = v[(colon + 1)..];
        }

        int dash = v.LastIndexOf('-');
        if (dash > 0)
        {
            v = v[..dash];
        }

        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }

    public override string ToString() => $"{Name} ({Path}, Debian package {Package} {PackageVersion})";
}
