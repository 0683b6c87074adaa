namespace Portcullis.DataPlane.Tests.Tls;

using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;

public class CertificateSelectorTests
{
    private static readonly ServerCertificate Wildcard =
        CertificateStore.Load(TestCertificates.WithSans("default/wildcard", "wildcard", "*.example.com"));

    private static readonly ServerCertificate ExactSan =
        CertificateStore.Load(TestCertificates.WithSans("default/exact", "exact", "www.example.com", "api.example.com"));

    private static readonly ServerCertificate CommonNameOnly =
        CertificateStore.Load(TestCertificates.CommonNameOnly("default/cn", "shop.example.com"));

    private static readonly ServerCertificate SanWithUnrelatedCn =
        CertificateStore.Load(TestCertificates.WithSans("default/san-cn", "blog.example.com", "mail.example.com"));

    [Fact]
    public void Select_PrefersExactMatchOverWildcardOverCommonNameOverFirst()
    {
        var selector = new CertificateSelector([Wildcard, CommonNameOnly, ExactSan]);

        Assert.Same(ExactSan, selector.Select("www.example.com"));
        Assert.Same(Wildcard, selector.Select("other.example.com"));
        Assert.Same(CommonNameOnly, selector.Select("shop.example.com"));
        Assert.Same(Wildcard, selector.Select("example.org"));
    }

    [Fact]
    public void Select_WildcardCoversExactlyOneLabel()
    {
        var selector = new CertificateSelector([ExactSan, Wildcard]);

        Assert.Same(Wildcard, selector.Select("a.example.com"));
        Assert.Same(ExactSan, selector.Select("a.b.example.com"));
        Assert.Same(ExactSan, selector.Select("example.com"));
    }

    [Fact]
    public void Select_CommonNameIgnoredWhenCertificateHasDnsSans()
    {
        var selector = new CertificateSelector([CommonNameOnly, SanWithUnrelatedCn]);

        Assert.Same(SanWithUnrelatedCn, selector.Select("mail.example.com"));
        Assert.Same(CommonNameOnly, selector.Select("blog.example.com"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("unknown.test")]
    public void Select_NoSniOrNoMatch_ReturnsTheFirstCertificate(string? serverName)
    {
        var selector = new CertificateSelector([CommonNameOnly, ExactSan]);

        Assert.Same(CommonNameOnly, selector.Select(serverName));
    }

    [Fact]
    public void Select_ComparesNamesCaseInsensitively()
    {
        var selector = new CertificateSelector([Wildcard, ExactSan]);

        Assert.Same(ExactSan, selector.Select("WWW.Example.Com"));
    }

    [Fact]
    public void ReadDnsNames_CertificateWithOnlyACommonName_UsesTheCommonName()
    {
        Assert.Equal(["shop.example.com"], CommonNameOnly.DnsNames);
        Assert.Equal(["mail.example.com"], SanWithUnrelatedCn.DnsNames);
    }

    [Fact]
    public void Load_TakesTheFirstPemCertificateAsTheLeaf()
    {
        // The chain PEM holds leaf then CA; the context must serve the leaf with its key.
        var context = ExactSan.ServerOptions.ServerCertificateContext!;
        Assert.Equal(ExactSan.Leaf.Thumbprint, context.TargetCertificate.Thumbprint);
        Assert.True(context.TargetCertificate.HasPrivateKey);
        Assert.Equal("exact", TestCertificates.CommonNameOf(context.TargetCertificate));
    }
}
