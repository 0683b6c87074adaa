namespace Portcullis.DataPlane.Tests;

// The variable is process-wide; no other test reads or writes it.
public sealed class ProcessTuningTests
{
    [Fact]
    public void Apply_VariableUnset_TurnsInlineCompletionsOn()
    {
        var before = Environment.GetEnvironmentVariable(ProcessTuning.InlineSocketCompletions);
        try
        {
            Environment.SetEnvironmentVariable(ProcessTuning.InlineSocketCompletions, null);
            ProcessTuning.Apply();
            Assert.Equal("1", Environment.GetEnvironmentVariable(ProcessTuning.InlineSocketCompletions));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ProcessTuning.InlineSocketCompletions, before);
        }
    }

    [Fact]
    public void Apply_VariableSetToZero_KeepsItOff()
    {
        var before = Environment.GetEnvironmentVariable(ProcessTuning.InlineSocketCompletions);
        try
        {
            Environment.SetEnvironmentVariable(ProcessTuning.InlineSocketCompletions, "0");
            ProcessTuning.Apply();
            Assert.Equal("0", Environment.GetEnvironmentVariable(ProcessTuning.InlineSocketCompletions));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ProcessTuning.InlineSocketCompletions, before);
        }
    }
}
