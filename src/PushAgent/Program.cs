using Keylime.PushAgent;
using Keylime.Shared.Configuration;

return await AgentProgram.RunAsync(args, KeylimeConfigLocations.FromSystem(), Console.Error);
