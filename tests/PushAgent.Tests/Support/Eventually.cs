namespace Keylime.PushAgent.Tests.Support;

/// <summary>Waits (in real time) for something the agent does on its own task.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, string what, int timeoutMs = 15000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}
