using System.Threading.Channels;
using Keylime.Shared.Configuration;

namespace Keylime.Verifier.Verification;

/// <summary>
/// An attestation whose evidence waits for verification. <paramref name="Input"/> is what PATCH already
/// read and stored (agent snapshot, attestation, evidence), so the worker verifies it without touching
/// the database; null for a start-up re-queue, which reads it back from the database.
/// </summary>
public readonly record struct VerificationJob(string AgentId, int Index, VerificationInput? Input = null);

/// <summary>
/// The bounded hand-off between PATCH (which persists evidence, then enqueues) and the verification
/// workers. A slot is reserved <em>before</em> the evidence is stored, so a full queue answers 503
/// without leaving an accepted-but-unqueued attestation behind; start-up re-queues whatever is still
/// <c>evaluating_evidence</c> (those bypass the bound: nothing accepted is ever dropped).
/// </summary>
public sealed class VerificationQueue
{
    private readonly Channel<VerificationJob> _channel = Channel.CreateUnbounded<VerificationJob>(new UnboundedChannelOptions { SingleWriter = false });
    private int _reserved;

    public VerificationQueue(VerifierOptions options)
    {
        Workers = options.NumWorkers > 0 ? options.NumWorkers : Math.Max(1, Math.Min(Environment.ProcessorCount, options.MaxWorkers > 0 ? options.MaxWorkers : int.MaxValue));
        Capacity = Math.Max(64, Workers * 256);
    }

    /// <summary>Verification workers: <c>num_workers</c> if set, else the core count capped by <c>max_workers</c>.</summary>
    public int Workers { get; }

    public int Capacity { get; }

    public int Pending => Volatile.Read(ref _reserved);

    public ChannelReader<VerificationJob> Reader => _channel.Reader;

    /// <summary>Reserves a slot; false when the queue is full (→ 503 + Retry-After).</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _reserved) > Capacity)
        {
            Interlocked.Decrement(ref _reserved);
            return false;
        }

        return true;
    }

    /// <summary>Gives back a reservation whose evidence was not stored after all.</summary>
    public void Cancel() => Interlocked.Decrement(ref _reserved);

    /// <summary>Queues a job for a reserved slot (or, with <paramref name="reserved"/> false, a start-up re-queue).</summary>
    public void Enqueue(VerificationJob job, bool reserved = true)
    {
        if (!reserved)
        {
            Interlocked.Increment(ref _reserved);
        }

        _channel.Writer.TryWrite(job);
    }

    /// <summary>Called by a worker when a job is done (whatever the verdict).</summary>
    public void Completed() => Interlocked.Decrement(ref _reserved);
}
