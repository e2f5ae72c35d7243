using Keylime.Tenant.Cli;
using Keylime.Tenant.Configuration;
using Keylime.Tenant.Output;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant;

/// <summary>One tenant run: arguments, settings, output, and a lazily created client per server.</summary>
public sealed class TenantContext : IDisposable
{
    private readonly Lazy<TlsCredentials> _tls;
    private readonly Lazy<ServerClient> _verifier;
    private readonly Lazy<ServerClient> _registrar;
    private ServerClient? _switched;

    public TenantContext(TenantArguments arguments, TenantSettings settings, TenantOutput output, TimeProvider? time = null)
    {
        Arguments = arguments;
        Settings = settings;
        Output = output;
        Time = time ?? TimeProvider.System;
        VerifierServer = new KeylimeServer(settings.VerifierId is { } id ? $"Verifier {id}" : "Verifier", settings.VerifierIp, settings.VerifierPort);
        _tls = new(() => TlsCredentials.Load(settings));
        _verifier = new(() => new ServerClient(VerifierServer, _tls.Value, settings.RequestTimeout));
        _registrar = new(() => new ServerClient(RegistrarServer, _tls.Value, settings.RequestTimeout));
    }

    public TenantArguments Arguments { get; }
    public TenantSettings Settings { get; }
    public TenantOutput Output { get; }
    public TimeProvider Time { get; }
    public string AgentId => Arguments.AgentUuid;

    /// <summary>Keylime's name for the agent in messages.</summary>
    public string AgentDisplay => $"Agent {AgentId}";

    public KeylimeServer VerifierServer { get; private set; }

    public KeylimeServer RegistrarServer
    {
        get
        {
            if (string.IsNullOrEmpty(Settings.RegistrarIp) || string.IsNullOrEmpty(Settings.RegistrarPort))
            {
                throw new TenantException("registrar_ip and registrar_port have both to be set in the configuration");
            }

            return new KeylimeServer("Registrar", Settings.RegistrarIp, Settings.RegistrarPort);
        }
    }

    public ServerClient Verifier => _switched ?? _verifier.Value;
    public ServerClient Registrar => _registrar.Value;

    /// <summary>
    /// Switches to the verifier an agent is recorded at (Keylime's delete/reactivate follow the
    /// agent's <c>verifier_ip</c>/<c>verifier_port</c>); a later request opens a new client.
    /// </summary>
    public ServerClient UseVerifier(KeylimeServer server)
    {
        if (server.Host == VerifierServer.Host && server.Port == VerifierServer.Port)
        {
            return Verifier;
        }

        VerifierServer = server;
        _switched?.Dispose();
        _switched = new ServerClient(server, _tls.Value, Settings.RequestTimeout);
        return _switched;
    }

    public void Dispose()
    {
        _switched?.Dispose();
        if (_verifier.IsValueCreated)
        {
            _verifier.Value.Dispose();
        }

        if (_registrar.IsValueCreated)
        {
            _registrar.Value.Dispose();
        }

        if (_tls.IsValueCreated)
        {
            _tls.Value.Dispose();
        }
    }
}
