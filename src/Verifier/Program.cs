using Keylime.Shared.Configuration;
using Keylime.Verifier;

// Keylime verifier, push mode: reads verifier.conf by Keylime's rules (KEYLIME_VERIFIER_CONFIG,
// /etc/keylime, conf.d snippets, KEYLIME_VERIFIER_* variables), migrates the database, serves HTTPS.
try
{
    var options = VerifierOptions.Load();
    await using var app = VerifierApp.Build(options, args);
    await VerifierStartup.PrepareAsync(app.Services, options, app.Logger);
    await app.RunAsync();
    return 0;
}
catch (KeylimeConfigException e)
{
    Console.Error.WriteLine($"keylime_verifier: {e.Message}");
    return 1;
}
