namespace Portcullis.Translation.Tests.Addressing;

using Portcullis.Translation.Addressing;

public class ProvisionedNamesTests
{
    [Fact]
    public void For_ShortName_IsPrefixed()
    {
        Assert.Equal("portcullis-sni-gateway", ProvisionedNames.For("sni-gateway"));
    }

    [Fact]
    public void For_NameWithDots_BecomesADns1035LabelDistinctFromTheDashedName()
    {
        var dotted = ProvisionedNames.For("gw.example.com");
        Assert.Matches("^portcullis-gw-example-com-[0-9a-f]{8}$", dotted);
        Assert.NotEqual(ProvisionedNames.For("gw-example-com"), dotted);
        Assert.Equal("portcullis-gw-example-com", ProvisionedNames.For("gw-example-com"));
    }

    [Fact]
    public void For_LongNames_AreCutTo63CharactersAndStayDistinct()
    {
        var a = ProvisionedNames.For(new string('a', 200) + "-one");
        var b = ProvisionedNames.For(new string('a', 200) + "-two");
        Assert.True(a.Length <= 63, a);
        Assert.True(b.Length <= 63, b);
        Assert.NotEqual(a, b);
        Assert.StartsWith("portcullis-aaaa", a, StringComparison.Ordinal);
    }
}
