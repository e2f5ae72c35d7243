namespace Keylime.EndToEnd.Support;

/// <summary>Waits on what the verifier decides about an agent, failing with the agent's log on timeout.</summary>
public static class Verdicts
{
    /// <summary>Enrolls the agent once it has registered (tenant <c>-c add --push-model</c>, plus <paramref name="extra"/> flags).</summary>
    public static async Task EnrollAsync(Stack stack, Agent agent, params string[] extra)
    {
        await agent.WaitRegisteredAsync(TimeSpan.FromSeconds(90));
        await stack.Tenant.SucceedAsync(["-c", "add", "--push-model", "-u", agent.Uuid, .. extra]);
    }

    /// <summary>Waits until the last <paramref name="count"/> completed attestations all passed; returns them.</summary>
    public static Task<IReadOnlyList<Verdict>> ConsecutivePassesAsync(Stack stack, Agent agent, int count, TimeSpan timeout) =>
        ConsecutivePassesAsync(stack, agent, count, timeout, afterIndex: -1);

    /// <summary>
    /// The same, counting only attestations with an index above <paramref name="afterIndex"/>. Verdicts seen
    /// are remembered across polls: retention (spec/verifier.md §7.7) deletes a pass once the next one passes
    /// (failures stay), and each stays the latest for a whole quote interval, so every one is seen.
    /// </summary>
    public static async Task<IReadOnlyList<Verdict>> ConsecutivePassesAsync(Stack stack, Agent agent, int count, TimeSpan timeout, int afterIndex)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = new SortedDictionary<int, Verdict>();
        IReadOnlyList<Verdict> completed = [];
        while (DateTime.UtcNow < deadline)
        {
            foreach (var verdict in await stack.Admin.AllAsync(agent.Uuid))
            {
                seen[verdict.Index] = verdict;
            }

            completed = seen.Values.Where(v => v.Complete && v.Index > afterIndex).ToList();
            if (completed.Count >= count && completed.TakeLast(count).All(v => v.Evaluation == "pass"))
            {
                return completed.TakeLast(count).ToList();
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(
            $"no {count} consecutive passes for {agent.Uuid}; verdicts: {string.Join(", ", completed)}\nagent log:\n{Tail(agent.Log)}\nverifier log:\n{Tail(stack.Verifier.Log)}");
    }

    /// <summary>The index of the newest attestation now (any stage), or -1.</summary>
    public static async Task<int> LatestIndexAsync(Stack stack, Agent agent) =>
        (await stack.Admin.LatestAsync(agent.Uuid))?.Index ?? -1;

    /// <summary>The first completed attestation with an index above <paramref name="afterIndex"/>.</summary>
    public static async Task<Verdict> NextCompletedAsync(Stack stack, Agent agent, int afterIndex, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var next = (await stack.Admin.AllAsync(agent.Uuid)).FirstOrDefault(v => v.Index > afterIndex && v.Complete);
            if (next is not null)
            {
                return next;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no verdict after attestation {afterIndex} for {agent.Uuid}\nagent log:\n{Tail(agent.Log)}");
    }

    /// <summary>Waits until the tenant-visible <c>attestation_status</c> is <paramref name="expected"/>; returns the time it took.</summary>
    public static async Task<TimeSpan> StatusAsync(Stack stack, Agent agent, string expected, TimeSpan timeout)
    {
        var started = DateTime.UtcNow;
        string? status = null;
        while (DateTime.UtcNow - started < timeout)
        {
            status = await stack.Admin.StatusAsync(agent.Uuid);
            if (status == expected)
            {
                return DateTime.UtcNow - started;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"attestation_status of {agent.Uuid} stayed {status}, expected {expected}\nagent log:\n{Tail(agent.Log)}");
    }

    public static string Tail(string log, int lines = 40) =>
        string.Join('\n', log.Split('\n').TakeLast(lines));
}
