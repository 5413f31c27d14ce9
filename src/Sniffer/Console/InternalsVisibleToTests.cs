// The command line's parsing (CommandLine, EnvironmentOptions) and the console's formatting are unit-tested.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Sniffer.Tests")]
