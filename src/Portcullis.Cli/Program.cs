using System.CommandLine;
using Portcullis.Cli.Commands;
using Portcullis.DataPlane;

// Before any socket exists: the runtime reads these once (see ProcessTuning).
ProcessTuning.Apply();

var root = new RootCommand("Portcullis: a Kubernetes Gateway API gateway. Standalone mode serves a directory of manifests.")
{
    RunCommand.Create(),
    GetCommand.Create(),
    ValidateCommand.Create(),
    TranslateCommand.Create(),
    EchoCommand.Create(),
    PatchCommand.Create(),
    ControllerCommand.Create(),
    ProxyCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
