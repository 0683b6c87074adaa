namespace Portcullis.Translation.Steps;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;
using Portcullis.Translation.Status;

/// <summary>
/// Accepts the GatewayClasses whose controllerName is ours. Classes of other controllers are not
/// ours to judge and get no status at all.
/// </summary>
internal sealed class GatewayClassStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        foreach (var gc in context.Snapshot.GatewayClasses)
        {
            if (!string.Equals(gc.Spec.ControllerName, context.Options.ControllerName, StringComparison.Ordinal))
            {
                continue;
            }

            var generation = gc.Metadata.Generation;
            Condition accepted;
            if (gc.Spec.ParametersRef is { } p && !ParametersReferences.IsOurs(context.Options, p.Group, p.Kind, p.Namespace, namespaced: true))
            {
                accepted = Conditions.False(ConditionTypes.Accepted, GatewayClassReasons.InvalidParameters,
                    $"parametersRef {p.Group}/{p.Kind} {p.Name} is not supported: {ParametersReferences.Supported(context.Options)}",
                    generation);
            }
            else
            {
                accepted = Conditions.True(ConditionTypes.Accepted, GatewayClassReasons.Accepted,
                    "Accepted by " + context.Options.ControllerName, generation);
                context.AcceptedClasses[gc.Metadata.Name] = gc;
            }

            context.GatewayClassStatuses[gc.Ref] = new GatewayClassStatus { Conditions = [accepted] };
        }
    }
}
