namespace Portcullis.Translation.Status;

using Portcullis.Model.GatewayApi;

/// <summary>Builds conditions without a clock: the status sink stamps lastTransitionTime.</summary>
internal static class Conditions
{
    public static Condition True(string type, string reason, string message, long generation) =>
        new() { Type = type, Status = ConditionStatus.True, Reason = reason, Message = message, ObservedGeneration = generation };

    public static Condition False(string type, string reason, string message, long generation) =>
        new() { Type = type, Status = ConditionStatus.False, Reason = reason, Message = message, ObservedGeneration = generation };
}
