namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// A scripted fake verifier over real TLS and a fake registrar over plain HTTP, started before each
/// test and stopped after it: the peers of the tests that drive the agent's state machine.
/// </summary>
public abstract class ScriptedPeers : IAsyncLifetime
{
    protected TestPki Pki { get; } = TestPki.Create();

    protected ScriptedVerifier Script { get; } = new();

    protected FakePeer VerifierPeer { get; private set; } = null!;

    protected FakePeer RegistrarPeer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        VerifierPeer = await FakePeer.StartAsync(Script.Respond, Pki);
        RegistrarPeer = await FakePeer.StartAsync(Peers.Registrar, tls: null);
    }

    public async Task DisposeAsync()
    {
        await VerifierPeer.DisposeAsync();
        await RegistrarPeer.DisposeAsync();
        Pki.Dispose();
    }
}
