namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>Where the repository and the built `portcullis` executable are.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The CLI built alongside these tests (same configuration), run with `dotnet`.</summary>
    public static string PortcullisDll { get; } = Path.Combine(Root, "src", "Portcullis.Cli", "bin", Configuration, "net10.0", "portcullis.dll");

    public static string Examples => Path.Combine(Root, "examples");

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portcullis.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portcullis.slnx not found above " + AppContext.BaseDirectory);
    }
}
