namespace Portcullis.DataPlane.Tests.Forwarding;

using Portcullis.DataPlane.Forwarding;

public class PathRewriterTests
{
    // The table in the Gateway API spec's ReplacePrefixMatch documentation.
    [Theory]
    [InlineData("/foo/bar", "/foo", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz", "/xyz/bar")]
    [InlineData("/foo/bar", "/foo/", "/xyz/", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo/", "/foo", "/xyz", "/xyz/")]
    [InlineData("/foo/bar", "/foo", "", "/bar")]
    [InlineData("/foo/", "/foo", "", "/")]
    [InlineData("/foo", "/foo", "", "/")]
    [InlineData("/foo/", "/foo", "/", "/")]
    [InlineData("/foo", "/foo", "/", "/")]
    [InlineData("/a/b", "/", "/x", "/x/a/b")]
    public void ReplacePrefix_SpecTable_ReplacesWholeSegments(string path, string prefix, string replacement, string expected) =>
        Assert.Equal(expected, PathRewriter.ReplacePrefix(path, prefix, replacement));
}
