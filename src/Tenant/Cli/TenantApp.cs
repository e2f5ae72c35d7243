using System.CommandLine;
using Keylime.Tenant.Agents;
using Keylime.Tenant.Configuration;
using Keylime.Tenant.Output;
using Keylime.Tenant.Policies;
using Keylime.Tenant.Registrar;

namespace Keylime.Tenant.Cli;

/// <summary>
/// Runs one tenant invocation: parse, load settings, dispatch the verb. Exit codes: 0 success,
/// 1 failure (one line on standard error, as Keylime's UserError), 2 command-line misuse.
/// </summary>
public static class TenantApp
{
    private static readonly Dictionary<string, Func<TenantContext, CancellationToken, Task>> Verbs = new()
    {
        [TenantVerbs.Add] = AgentCommands.AddAsync,
        [TenantVerbs.Update] = AgentCommands.UpdateAsync,
        [TenantVerbs.Delete] = AgentCommands.DeleteAsync,
        [TenantVerbs.Status] = AgentCommands.StatusAsync,
        [TenantVerbs.CvStatus] = AgentCommands.CvStatusAsync,
        [TenantVerbs.BulkInfo] = AgentCommands.BulkInfoAsync,
        [TenantVerbs.CvList] = AgentCommands.CvListAsync,
        [TenantVerbs.Reactivate] = AgentCommands.ReactivateAsync,
        [TenantVerbs.RegStatus] = RegistrarCommands.RegStatusAsync,
        [TenantVerbs.RegList] = RegistrarCommands.RegListAsync,
        [TenantVerbs.RegDelete] = RegistrarCommands.RegDeleteAsync,
        [TenantVerbs.AddRuntimePolicy] = PolicyCommands.AddRuntimeAsync,
        [TenantVerbs.ShowRuntimePolicy] = PolicyCommands.ShowRuntimeAsync,
        [TenantVerbs.DeleteRuntimePolicy] = PolicyCommands.DeleteRuntimeAsync,
        [TenantVerbs.UpdateRuntimePolicy] = PolicyCommands.UpdateRuntimeAsync,
        [TenantVerbs.ListRuntimePolicy] = PolicyCommands.ListRuntimeAsync,
        [TenantVerbs.AddMbPolicy] = PolicyCommands.AddMbAsync,
        [TenantVerbs.ShowMbPolicy] = PolicyCommands.ShowMbAsync,
        [TenantVerbs.DeleteMbPolicy] = PolicyCommands.DeleteMbAsync,
        [TenantVerbs.UpdateMbPolicy] = PolicyCommands.UpdateMbAsync,
        [TenantVerbs.ListMbPolicy] = PolicyCommands.ListMbAsync,
    };

    /// <param name="settings">Builds the settings for the parsed arguments (tenant.conf in production, fixed ones in tests).</param>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TenantOutput output,
        Func<TenantArguments, TenantSettings> settings,
        TimeProvider? time = null,
        CancellationToken ct = default)
    {
        var parsed = TenantCommandLine.Parse(args);
        if (parsed.Arguments is null && parsed.UsageError is null)
        {
            return await parsed.Result.InvokeAsync(new InvocationConfiguration { Output = output.Out, Error = output.Error }, ct);
        }

        if (parsed.UsageError is not null || parsed.Arguments is null)
        {
            output.Error.WriteLine($"keylime-tenant: error: {parsed.UsageError}");
            return 2;
        }

        var arguments = parsed.Arguments;
        try
        {
            if (!arguments.AgentUuidGiven && NeedsAgent(arguments.Command))
            {
                output.Warn($"Using default UUID {TenantArguments.DefaultAgentUuid}");
            }

            using var ctx = new TenantContext(arguments, settings(arguments), output, time);
            await Verbs[arguments.Command](ctx, ct);
            return 0;
        }
        catch (TenantException e)
        {
            output.Error.WriteLine($"keylime-tenant: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not a user error: still one line and exit 1 (Keylime logs the exception and exits 1).
            output.Error.WriteLine($"keylime-tenant: unexpected {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static bool NeedsAgent(string verb) =>
        verb is TenantVerbs.Add or TenantVerbs.Update or TenantVerbs.Delete or TenantVerbs.Status or TenantVerbs.CvStatus
            or TenantVerbs.Reactivate or TenantVerbs.RegStatus or TenantVerbs.RegDelete;
}
