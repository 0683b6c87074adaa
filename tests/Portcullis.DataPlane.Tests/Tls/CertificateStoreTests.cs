namespace Portcullis.DataPlane.Tests.Tls;

using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;

public class CertificateStoreTests
{
    [Fact]
    public void GetOrLoad_UnchangedPemAcrossApplies_ReusesTheLoadedCertificate()
    {
        var store = new CertificateStore();
        var pem = TestCertificates.CommonNameOnly("default/a", "a.example.com");

        store.BeginApply();
        var first = store.GetOrLoad(pem);
        store.EndApply();
        store.BeginApply();
        var second = store.GetOrLoad(pem with { Name = "default/a" });
        store.EndApply();

        Assert.Same(first, second);
    }

    [Fact]
    public void GetOrLoad_ChangedPem_LoadsTheNewCertificate()
    {
        var store = new CertificateStore();
        store.BeginApply();
        var first = store.GetOrLoad(TestCertificates.CommonNameOnly("default/a", "a.example.com"));
        var second = store.GetOrLoad(TestCertificates.CommonNameOnly("default/a", "a.example.com"));
        store.EndApply();

        Assert.NotSame(first, second);
    }
}
