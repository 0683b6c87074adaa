namespace Portcullis.DataPlane.Listeners;

/// <summary>
/// A response that a proxied head can be written into as it is parsed, without a header dictionary: our own
/// HTTP/1.1 loop's (<see cref="Http1ServerConnection"/>). See <see cref="Http1ResponseWriter.BeginPassThrough"/>.
/// </summary>
internal interface IHttp1PassThroughFeature
{
    /// <summary>The response's writer while nothing of the response has been set (status, reason, headers, callbacks), else null.</summary>
    Http1ResponseWriter? UntouchedResponse { get; }
}
