namespace Portcullis.DataPlane.Tests.Routing;

using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Routing;
using Portcullis.Ir;

public class CompiledRouteTests
{
    private static CompiledRoute Route(HeaderMatch[] headers, QueryParamMatch[] query, string? method = null)
    {
        var config = new RouteConfig(
            "default/r/rule/0/match/0", "*", new PathMatch(PathMatchType.PathPrefix, "/"), headers, query, method,
            new RouteAction(EquatableArray<WeightedBackend>.Empty));
        return new CompiledRoute(config, new CompiledAction(config.Action));
    }

    private static HttpRequest Request(string method = "GET", string query = "", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = "/x";
        context.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context.Request;
    }

    [Fact]
    public void IsMatch_HeaderNamesIgnoreCaseValuesDoNot()
    {
        var route = Route([new HeaderMatch("X-Version", StringMatchType.Exact, "v2")], []);

        Assert.True(route.IsMatch(Request(headers: ("x-version", "v2"))));
        Assert.False(route.IsMatch(Request(headers: ("X-Version", "V2"))));
        Assert.False(route.IsMatch(Request()));
    }

    [Fact]
    public void IsMatch_HeaderRegularExpressionMustMatchTheWholeValue()
    {
        var route = Route([new HeaderMatch("X-Env", StringMatchType.RegularExpression, "canary|beta")], []);

        Assert.True(route.IsMatch(Request(headers: ("X-Env", "beta"))));
        Assert.False(route.IsMatch(Request(headers: ("X-Env", "betamax"))));
    }

    [Fact]
    public void IsMatch_QueryParamUsesItsFirstValue()
    {
        var route = Route([], [new QueryParamMatch("tier", StringMatchType.Exact, "gold")]);

        Assert.True(route.IsMatch(Request(query: "?tier=gold&tier=silver")));
        Assert.False(route.IsMatch(Request(query: "?tier=silver&tier=gold")));
        Assert.False(route.IsMatch(Request()));
    }

    [Fact]
    public void IsMatch_MethodMustBeEqual()
    {
        var route = Route([], [], method: "POST");

        Assert.True(route.IsMatch(Request("POST")));
        Assert.False(route.IsMatch(Request("GET")));
    }
}
