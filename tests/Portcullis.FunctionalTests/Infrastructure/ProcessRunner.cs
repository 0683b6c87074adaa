namespace Portcullis.Testing;

using Portcullis.FunctionalTests.Infrastructure;

/// <summary>The shared runner (tests/Shared/ProcessRunner.cs), plus the gateway's own executable.</summary>
internal static partial class ProcessRunner
{
    public static Task<ProcessResult> Portcullis(params string[] args) =>
        RunAsync("dotnet", [Repo.PortcullisDll, .. args]);
}
