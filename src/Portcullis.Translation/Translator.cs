namespace Portcullis.Translation;

using Portcullis.Ir;
using Portcullis.Model;

/// <summary>
/// Snapshot in, config and status out. Pure: no I/O, no clock, no logger; the same input always
/// gives the same (sorted) output, and every input, however broken, gives a result.
/// </summary>
public static class Translator
{
    public static TranslationResult Translate(ResourceSnapshot snapshot, TranslatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        return new TranslationResult(GatewayConfig.Empty, StatusReport.Empty);
    }
}
