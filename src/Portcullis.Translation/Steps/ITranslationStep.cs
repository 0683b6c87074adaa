namespace Portcullis.Translation.Steps;

/// <summary>One stage of translation, run once per snapshot over a fresh context.</summary>
internal interface ITranslationStep
{
    void Run(TranslationContext context);
}
