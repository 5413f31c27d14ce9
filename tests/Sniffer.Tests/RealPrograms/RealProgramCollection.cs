using Xunit;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// Every real-program test binds 127.0.0.1:3624 and captures all of lo: they run one at a time, and — because
/// parallelization is disabled for this collection — only after every parallel test (the other live captures on
/// 3624 included) has finished.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealProgramCollection
{
    public const string Name = "Real programs on 127.0.0.1:3624";
}
